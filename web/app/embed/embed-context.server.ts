import { env } from '~/lib/env.server';
import { mayEmbed, parseEmbedOrigins } from './origins.js';
import { asOrigin } from './protocol';

// How a /cancel/* request is embedded: ?embed=1 (compact page, messages to the parent),
// &parent=<origin> (where messages go, only when allowed), &optout=1 (decline records the
// outcome and cancels nothing). Carried through the flow's form posts and redirects.

// server.js reads the same variable (with the same parser) for the frame-ancestors header.
// TODO(web env owner): move CANCEL_EMBED_ORIGINS into env.server.ts with the rest.
const policy = parseEmbedOrigins(process.env.CANCEL_EMBED_ORIGINS, env.isProduction);

export interface EmbedContext {
  embed: boolean;
  /** The origin the page posts its messages to: allowed and well-formed, or null (no messages). */
  parentOrigin: string | null;
  optOut: boolean;
  /** `?embed=1&parent=…&optout=1` (or ''), to keep on every URL of the flow. */
  query: string;
}

export function embedContext(request: Request): EmbedContext {
  const url = new URL(request.url);
  const embed = url.searchParams.get('embed') === '1';
  const optOut = url.searchParams.get('optout') === '1';
  const parent = asOrigin(url.searchParams.get('parent'));
  const self = [new URL(env.publicWebUrl).origin, url.origin];
  const parentOrigin = embed && parent && mayEmbed(policy, parent, self) ? parent : null;

  const kept = new URLSearchParams();
  if (embed) kept.set('embed', '1');
  if (embed && parent) kept.set('parent', parent);
  if (optOut) kept.set('optout', '1');
  const query = kept.size > 0 ? `?${kept.toString()}` : '';
  return { embed, parentOrigin, optOut, query };
}
