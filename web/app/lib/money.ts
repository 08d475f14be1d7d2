// The one place money is formatted: amounts arrive in the currency's smallest unit (cents),
// as Stripe and the API send them. Shared by the server and the browser.

/** Currencies whose smallest unit is the whole unit (Stripe's zero-decimal currencies). */
const ZERO_DECIMAL = new Set(['bif', 'clp', 'djf', 'gnf', 'jpy', 'kmf', 'krw', 'mga', 'pyg', 'rwf', 'ugx', 'vnd', 'vuv', 'xaf', 'xof', 'xpf']);

/** "$9.00" for (900, 'usd'); "-$3.00" for a credit of 300. */
export function formatMoney(amount: number, currency: string): string {
  const code = currency.toUpperCase();
  const units = ZERO_DECIMAL.has(currency.toLowerCase()) ? amount : amount / 100;
  try {
    return new Intl.NumberFormat('en-US', { style: 'currency', currency: code }).format(units);
  } catch {
    // An unknown code: still say the amount and the currency.
    return `${units.toFixed(ZERO_DECIMAL.has(currency.toLowerCase()) ? 0 : 2)} ${code}`;
  }
}
