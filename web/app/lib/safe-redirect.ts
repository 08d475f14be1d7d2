/**
 * A same-site path to go to after signing in, or `fallback`. Only plain absolute paths pass:
 * no scheme, no protocol-relative `//host`, no backslash tricks, no control characters.
 */
export function safeRedirect(to: FormDataEntryValue | string | null | undefined, fallback = '/account'): string {
  if (typeof to !== 'string' || !to) return fallback;
  if (!to.startsWith('/') || to.startsWith('//') || to.startsWith('/\\')) return fallback;
  if (/[\u0000-\u001f\u007f\\]/.test(to)) return fallback;
  try {
    const url = new URL(to, 'http://localhost');
    if (url.origin !== 'http://localhost') return fallback;
    // Never bounce back to the pages that sign people in or out.
    if (['/login', '/signup', '/logout'].includes(url.pathname)) return fallback;
    return url.pathname + url.search + url.hash;
  } catch {
    return fallback;
  }
}
