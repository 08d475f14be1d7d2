// Which sites may frame the cancel flow (/cancel/*) and receive its messages. Plain JavaScript
// so that server.js (framing headers, before the Remix build) and the app (which parent origin
// the embedded page posts to) read CANCEL_EMBED_ORIGINS the same way.
//
// CANCEL_EMBED_ORIGINS: comma-separated origins (`https://shop.example,https://app.example`),
// or `*` for any site. Unset: none besides this site in production, any site elsewhere.

/**
 * @param {string | undefined} value CANCEL_EMBED_ORIGINS
 * @param {boolean} production
 * @returns {{ any: boolean, origins: string[] }}
 */
export function parseEmbedOrigins(value, production) {
  const entries = (value ?? '')
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
  if (entries.length === 0) return { any: !production, origins: [] };
  const origins = [];
  let any = false;
  for (const entry of entries) {
    if (entry === '*') {
      any = true;
      continue;
    }
    let url;
    try {
      url = new URL(entry);
    } catch {
      url = null;
    }
    if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:') || url.origin !== entry.replace(/\/$/, '')) {
      throw new Error(`CANCEL_EMBED_ORIGINS: "${entry}" is not an origin (scheme://host[:port], no path), nor *.`);
    }
    origins.push(url.origin);
  }
  return { any, origins };
}

/**
 * The Content-Security-Policy for pages that may be framed.
 * @param {{ any: boolean, origins: string[] }} policy
 */
export function frameAncestors(policy) {
  return `frame-ancestors 'self'${policy.any ? ' *' : ''}${policy.origins.map((o) => ` ${o}`).join('')}`;
}

/**
 * Whether `origin` may embed the flow and receive its messages. `self` lists this site's own
 * origins (the public URL, the one the request came in on), which always may.
 * @param {{ any: boolean, origins: string[] }} policy
 * @param {string} origin an origin already checked to be well-formed
 * @param {string[]} self
 */
export function mayEmbed(policy, origin, self) {
  return self.includes(origin) || policy.any || policy.origins.includes(origin);
}

/** Paths that may be framed: the hosted flow and its positional start. */
export const FRAMEABLE_PREFIX = '/cancel/';
