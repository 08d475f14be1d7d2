// The production web server: Express in front of the Remix build. It exists (instead of
// remix-serve) to pass the real client address on to the API, which rate-limits per IP:
// every request's X-Forwarded-For is replaced by the address computed here, so the app can
// forward it as-is and a browser cannot forge it. Reads only PORT, HOST, TRUST_PROXY,
// NODE_ENV and CANCEL_EMBED_ORIGINS; the app parses the rest (app/lib/env.server.ts).
import { createRequestHandler } from '@remix-run/express';
import express from 'express';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { FRAMEABLE_PREFIX, frameAncestors, parseEmbedOrigins } from './app/embed/origins.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const port = Number(process.env.PORT ?? 3000);
const host = process.env.HOST ?? '0.0.0.0';
const production = process.env.NODE_ENV === 'production';

/** Like the API's TRUST_PROXY: "loopback" (default), true/false, a hop count, or addresses. */
function trustProxy(value = 'loopback') {
  if (value === 'true') return true;
  if (value === 'false') return false;
  if (/^\d+$/.test(value)) return Number(value);
  return value;
}

const build = await import(path.join(here, 'build/server/index.js'));

// No page may be framed (clickjacking), except the cancel flow (/cancel/<token>, /cancel/start),
// which sites listed in CANCEL_EMBED_ORIGINS embed (default: any site outside production, none
// in production). A bad value stops the start here, not at the first framed request.
const cancelFramePolicy = frameAncestors(parseEmbedOrigins(process.env.CANCEL_EMBED_ORIGINS, production));

const app = express();
app.disable('x-powered-by');
app.set('trust proxy', trustProxy(process.env.TRUST_PROXY));

app.use((req, res, next) => {
  // The client address as we see it (through trusted proxies only), and nothing a client sent.
  req.headers['x-forwarded-for'] = req.ip ?? req.socket.remoteAddress ?? '';
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Referrer-Policy', 'strict-origin-when-cross-origin');
  if (req.path.startsWith(FRAMEABLE_PREFIX)) res.setHeader('Content-Security-Policy', cancelFramePolicy);
  else res.setHeader('X-Frame-Options', 'DENY');
  res.setHeader('Permissions-Policy', 'camera=(), microphone=(), geolocation=()');
  if (production) res.setHeader('Strict-Transport-Security', 'max-age=31536000; includeSubDomains');
  next();
});

// Form posts from other sites are refused here, before Remix (whose own Origin/Host check
// answers a bare 500). SameSite=Lax already keeps the session cookie off cross-site posts;
// this also stops "log in as me" posts. Allowed: our public origin and the Host we were
// reached at. One exception: Sign in with Apple answers with a cross-site form post
// (response_mode=form_post) to /auth/apple/callback, which only stashes the posted fields and
// redirects to a same-site GET that checks the signed, browser-bound state.
const publicOrigin = new URL(process.env.PUBLIC_WEB_URL ?? `http://localhost:${port}`).origin;
const CROSS_SITE_POSTS = new Set(['/auth/apple/callback']);
app.use((req, res, next) => {
  if (req.method === 'GET' || req.method === 'HEAD') return next();
  if (req.method === 'POST' && CROSS_SITE_POSTS.has(req.path)) return next();
  const origin = req.get('origin');
  const allowed = origin === undefined || origin === publicOrigin || origin === `${req.protocol}://${req.get('host')}`;
  if (req.get('sec-fetch-site') === 'cross-site' || !allowed) {
    res.status(403).type('text/plain').send('Cross-site form posts are not accepted.');
    return;
  }
  next();
});

// Fingerprinted assets are immutable; everything else in public/ is cached briefly.
app.use('/assets', express.static(path.join(here, 'build/client/assets'), { immutable: true, maxAge: '1y', index: false }));
app.use(express.static(path.join(here, 'build/client'), { maxAge: '1h', index: false }));

app.all('*', createRequestHandler({ build, mode: process.env.NODE_ENV === 'development' ? 'development' : 'production' }));

const server = app.listen(port, host, () => {
  console.log(`[web] listening on http://localhost:${port} (${production ? 'production' : 'development'})`);
});

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    server.close(() => process.exit(0));
    setTimeout(() => process.exit(0), 5000).unref();
  });
}
