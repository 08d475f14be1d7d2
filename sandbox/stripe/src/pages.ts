/** HTML for the sandbox's hosted pages: checkout, billing portal, 3-D Secure, invoices. */

export const CARD_NOTE =
  'Sandbox: use 4242 4242 4242 4242 · 4000 0025 0000 3155 (authentication) · 4000 0000 0000 9995 (declined)';

export function esc(s: unknown): string {
  return String(s ?? '').replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export function layout(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)}</title>
<style>
  body { font: 16px/1.5 system-ui, sans-serif; max-width: 32rem; margin: 2rem auto; padding: 0 1rem; color: #1a1a1a; }
  .banner { background: #fff4cc; border: 1px solid #e6c200; padding: .4rem .7rem; border-radius: 4px; font-size: .85rem; }
  label { display: block; margin-top: .8rem; font-weight: 600; }
  input { width: 100%; box-sizing: border-box; padding: .5rem; font-size: 1rem; }
  button { margin-top: 1rem; padding: .6rem 1.2rem; font-size: 1rem; cursor: pointer; }
  .error { color: #b00020; margin-top: .8rem; }
  .card { border: 1px solid #ddd; border-radius: 6px; padding: 1rem; margin: 1rem 0; }
  table { width: 100%; border-collapse: collapse; } td { padding: .3rem 0; } td:last-child { text-align: right; }
</style>
</head>
<body>
<p class="banner">Stripe sandbox — test mode, no real payments.</p>
${body}
</body>
</html>`;
}

export function cardFields(o: { email?: string | null; askEmail?: boolean }): string {
  return `${o.askEmail ? `<label for="email">Email</label><input id="email" name="email" type="email" required value="${esc(o.email ?? '')}">` : ''}
<label for="card_number">Card number</label>
<input id="card_number" name="card_number" inputmode="numeric" autocomplete="cc-number" placeholder="4242 4242 4242 4242" required>
<label for="card_expiry">Expiry (MM / YY)</label>
<input id="card_expiry" name="card_expiry" autocomplete="cc-exp" placeholder="12 / 34" required>
<label for="card_cvc">CVC</label>
<input id="card_cvc" name="card_cvc" inputmode="numeric" autocomplete="cc-csc" placeholder="123" required>
<p class="note">${esc(CARD_NOTE)}</p>`;
}

export function parseExpiry(v: string | undefined): { exp_month?: number; exp_year?: number } {
  const m = /^\s*(\d{1,2})\s*\/?\s*(\d{2,4})\s*$/.exec(v ?? '');
  if (!m) return {};
  const year = Number(m[2]);
  return { exp_month: Number(m[1]), exp_year: year < 100 ? 2000 + year : year };
}

export function authenticationPage(o: { action: string; amount: string }): string {
  return layout(
    '3D Secure authentication',
    `<h1>3D Secure authentication</h1>
<p>Your bank asks you to confirm a payment of <strong>${esc(o.amount)}</strong>.</p>
<form method="post" action="${esc(o.action)}">
  <button name="outcome" value="succeed">Complete authentication</button>
  <button name="outcome" value="fail">Fail authentication</button>
</form>`,
  );
}

export function messagePage(title: string, message: string, link?: { href: string; text: string }): string {
  return layout(title, `<h1>${esc(title)}</h1><p>${esc(message)}</p>${link ? `<p><a href="${esc(link.href)}">${esc(link.text)}</a></p>` : ''}`);
}
