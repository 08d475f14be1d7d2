import { createHash } from 'node:crypto';
import type { LoaderFunctionArgs } from '@remix-run/node';
// Built from app/embed/script.ts by scripts/build-embed.mjs before the Remix build, and
// inlined here: the server build carries it, nothing is read from disk at request time.
import bundle from '~/embed/dist/cancel-flow.js?raw';

// GET /cancel-flow.js: the embed script other sites load with <script src>. Cached briefly
// (a fix reaches every site within minutes), revalidated cheaply by its ETag.

const etag = `"${createHash('sha256').update(bundle).digest('base64url').slice(0, 32)}"`;

const headers = {
  'Content-Type': 'text/javascript; charset=utf-8',
  'Cache-Control': 'public, max-age=300, stale-while-revalidate=3600',
  ETag: etag,
  // Loaded by pages on other sites, including ones that isolate themselves (COEP).
  'Cross-Origin-Resource-Policy': 'cross-origin',
  'Access-Control-Allow-Origin': '*',
};

export function loader({ request }: LoaderFunctionArgs) {
  const match = request.headers.get('if-none-match');
  if (match && match.split(',').some((tag) => tag.trim().replace(/^W\//, '') === etag)) {
    return new Response(null, { status: 304, headers });
  }
  return new Response(request.method === 'HEAD' ? null : bundle, { status: 200, headers });
}
