import { Elements, ExpressCheckoutElement, PaymentElement, useElements, useStripe } from '@stripe/react-stripe-js';
import type { Stripe, StripeElementsOptionsClientSecret, StripeError } from '@stripe/stripe-js';
import { useEffect, useRef, useState, type FormEvent, type ReactNode } from 'react';
import { appearance, getStripe, paymentErrorMessage, prefersDark } from '~/lib/stripe.client';

export interface PaymentFormProps {
  publishableKey: string;
  clientSecret: string;
  /** The sandbox's Stripe.js stand-in, or null for real Stripe.js. */
  stripeJsUrl: string | null;
  /** Crossbill's subscription id: the return page reconciles it. */
  subscriptionId: string;
  /** "Pay $9.00" */
  payLabel: string;
  /** Shown when Stripe.js cannot load (e.g. a blocker): the hosted page. */
  fallback: ReactNode;
}

/**
 * Stripe Elements on our page: Express Checkout (Apple Pay, Google Pay, Link — where the device
 * has them) above the Payment Element, and one Pay button. Browser only: the server renders a
 * placeholder, and Stripe.js is loaded after hydration.
 */
export function PaymentForm({ publishableKey, clientSecret, stripeJsUrl, subscriptionId, payLabel, fallback }: PaymentFormProps) {
  // Set after hydration only: stripe.client.ts does not exist on the server. The options stay
  // stable, since react-stripe-js calls elements.update() whenever they change.
  const [setup, setSetup] = useState<{ stripe: Promise<Stripe | null>; options: StripeElementsOptionsClientSecret } | null>(null);
  const [loadFailed, setLoadFailed] = useState(false);

  useEffect(() => {
    const loading = getStripe(publishableKey, stripeJsUrl);
    loading.then(
      (loaded) => {
        if (!loaded) setLoadFailed(true);
      },
      () => setLoadFailed(true),
    );
    setSetup({
      stripe: loading.catch(() => null),
      options: { clientSecret, appearance: appearance(prefersDark()), loader: 'auto' },
    });
  }, [publishableKey, stripeJsUrl, clientSecret]);

  if (loadFailed) {
    return (
      <div className="stack" data-testid="stripe-load-failed">
        <div className="notice notice--error" role="alert">
          The secure payment form could not be loaded. Check your connection and reload the page, or pay on a page hosted by
          Stripe instead.
        </div>
        {fallback}
      </div>
    );
  }
  // Nothing before hydration: without JavaScript the page's <noscript> offers the hosted page.
  if (!setup) return null;
  return (
    <Elements stripe={setup.stripe} options={setup.options}>
      <CheckoutForm subscriptionId={subscriptionId} payLabel={payLabel} onLoadError={() => setLoadFailed(true)} />
    </Elements>
  );
}

type ExpressState = 'loading' | 'available' | 'none';

function CheckoutForm({ subscriptionId, payLabel, onLoadError }: { subscriptionId: string; payLabel: string; onLoadError: () => void }) {
  const stripe = useStripe();
  const elements = useElements();
  const [express, setExpress] = useState<ExpressState>('loading');
  const [cardReady, setCardReady] = useState(false);
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const errorRef = useRef<HTMLDivElement>(null);

  useEffect(() => {
    if (error) errorRef.current?.focus();
  }, [error]);

  /** Confirms the payment; Stripe.js redirects to the return page unless it fails here. */
  async function confirm(): Promise<StripeError | null> {
    if (!stripe || !elements) return null;
    const returnUrl = new URL('/subscribe/return', window.location.origin);
    returnUrl.searchParams.set('subscription', subscriptionId);
    const { error: failure } = await stripe.confirmPayment({ elements, confirmParams: { return_url: returnUrl.toString() } });
    return failure ?? null;
  }

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (pending || !stripe || !elements) return;
    setPending(true);
    setError(null);
    try {
      const failure = await confirm();
      // On success the browser is already on its way to the return page: stay pending.
      if (failure) {
        setError(paymentErrorMessage(failure));
        setPending(false);
      }
    } catch {
      setError(paymentErrorMessage(null));
      setPending(false);
    }
  }

  const ready = Boolean(stripe && elements && cardReady);
  return (
    <form className="form pay-form" onSubmit={onSubmit} noValidate>
      <section className="pay-express" data-state={express} hidden={express === 'none'} aria-label="Express checkout">
        <ExpressCheckoutElement
          options={{ buttonHeight: 48 }}
          onReady={({ availablePaymentMethods }) => {
            const any = availablePaymentMethods && Object.values(availablePaymentMethods).some(Boolean);
            setExpress(any ? 'available' : 'none');
          }}
          onLoadError={() => setExpress('none')}
          onConfirm={async (event) => {
            setError(null);
            setPending(true);
            const failure = await confirm().catch(() => ({ type: 'api_error', message: '' }) as StripeError);
            if (failure) {
              event.paymentFailed({ reason: 'fail' });
              setError(paymentErrorMessage(failure));
              setPending(false);
            }
          }}
        />
        {express === 'available' ? (
          <p className="pay-divider">
            <span>or pay with a card</span>
          </p>
        ) : null}
      </section>

      {cardReady ? null : (
        <p className="muted pay-loading" role="status">
          <span className="spinner" aria-hidden="true" /> Loading the secure payment form…
        </p>
      )}
      <div className="pay-element" data-testid="payment-element">
        <PaymentElement
          options={{ layout: 'tabs' }}
          onReady={() => setCardReady(true)}
          onChange={() => setError(null)}
          onLoadError={onLoadError}
        />
      </div>

      <div ref={errorRef} tabIndex={-1} className="form-error-slot">
        {error ? (
          <div className="notice notice--error" role="alert" data-testid="payment-error">
            {error}
          </div>
        ) : null}
      </div>

      <button
        type="submit"
        className="button button--primary pay-button"
        disabled={!ready}
        aria-busy={pending || undefined}
        aria-disabled={pending || undefined}
        data-pending={pending || undefined}
        aria-describedby="pay-amount"
      >
        {pending ? <span className="spinner" aria-hidden="true" /> : null}
        <span>Pay</span>
      </button>
      <p id="pay-amount" className="muted pay-note">
        {payLabel}
      </p>
    </form>
  );
}
