import type { Appearance, Stripe, StripeError } from '@stripe/stripe-js';
// The "pure" entry point loads nothing on import: Stripe.js is fetched only when loadStripe is
// called, after the sandbox stand-in (if any) has defined window.Stripe.
import { loadStripe } from '@stripe/stripe-js/pure';

// Browser-only Stripe.js plumbing for the pay page.

const scripts = new Map<string, Promise<void>>();

/** Loads a script once; resolves when it has run. */
function loadScript(src: string): Promise<void> {
  let loading = scripts.get(src);
  if (!loading) {
    loading = new Promise<void>((resolve, reject) => {
      const script = document.createElement('script');
      script.src = src;
      script.async = true;
      script.addEventListener('load', () => resolve());
      script.addEventListener('error', () => {
        scripts.delete(src);
        script.remove();
        reject(new Error(`Could not load ${src}`));
      });
      document.head.appendChild(script);
    });
    scripts.set(src, loading);
  }
  return loading;
}

const instances = new Map<string, Promise<Stripe | null>>();

/**
 * Stripe.js for `publishableKey`. With `stripeJsUrl` (the local sandbox), that script is
 * loaded first, so `loadStripe` finds its window.Stripe and never reaches for js.stripe.com;
 * without it, `loadStripe` loads the real Stripe.js.
 */
export function getStripe(publishableKey: string, stripeJsUrl: string | null): Promise<Stripe | null> {
  const cacheKey = `${stripeJsUrl ?? ''} ${publishableKey}`;
  let stripe = instances.get(cacheKey);
  if (!stripe) {
    const ready = stripeJsUrl && !('Stripe' in window) ? loadScript(stripeJsUrl) : Promise.resolve();
    stripe = ready.then(() => loadStripe(publishableKey));
    // A failed load may be retried (a flaky network), so it is not remembered.
    stripe.catch(() => instances.delete(cacheKey));
    instances.set(cacheKey, stripe);
  }
  return stripe;
}

const FONT_FAMILY = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif";

/** Stripe Elements dressed like app.css: brand green, system font, the inputs' 8px radius. */
export function appearance(dark: boolean): Appearance {
  return {
    theme: dark ? 'night' : 'stripe',
    variables: {
      colorPrimary: dark ? '#4fb495' : '#1f6f5c',
      colorBackground: dark ? '#17201d' : '#ffffff',
      colorText: dark ? '#e6ecea' : '#1b2522',
      colorTextSecondary: dark ? '#a3b1ac' : '#55625e',
      colorDanger: dark ? '#ff8a80' : '#b3261e',
      fontFamily: FONT_FAMILY,
      fontSizeBase: '16px', // ≥16px: no zoom on focus in iOS Safari
      borderRadius: '8px', // --radius-small
      spacingUnit: '4px',
      focusBoxShadow: '0 0 0 3px #2b8cff',
      focusOutline: 'none',
    },
    rules: {
      '.Label': { fontWeight: '600' },
      '.Input': { borderColor: dark ? '#2c3a35' : '#d9e1de', boxShadow: 'inset 0 1px 2px rgb(0 0 0 / 4%)' },
      '.Input:focus': { borderColor: dark ? '#4fb495' : '#1f6f5c' },
    },
  };
}

export const prefersDark = () => typeof window !== 'undefined' && window.matchMedia?.('(prefers-color-scheme: dark)').matches === true;

/**
 * What to tell the payer. Card and validation errors carry messages Stripe writes for them
 * ("Your card was declined."); anything else gets a calm generic sentence.
 */
export function paymentErrorMessage(error: Pick<StripeError, 'type' | 'message'> | undefined | null): string {
  if (error && (error.type === 'card_error' || error.type === 'validation_error') && error.message) return error.message;
  return 'The payment could not be completed. Try again in a moment, or use another payment method.';
}
