import { useEffect, useRef } from 'react';

/**
 * The form-level message of a failed submission. With JavaScript, it also moves focus to the
 * first invalid field (or to itself), so keyboard and screen-reader users land on the problem.
 */
export function FormError({ message, hasFieldErrors = false }: { message?: string | null; hasFieldErrors?: boolean }) {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!message && !hasFieldErrors) return;
    const form = ref.current?.closest('form');
    const invalid = form?.querySelector<HTMLElement>('[aria-invalid="true"]');
    if (invalid) invalid.focus();
    else ref.current?.focus();
  }, [message, hasFieldErrors]);
  return (
    <div ref={ref} tabIndex={-1} className="form-error-slot">
      {message ? (
        <div className="notice notice--error" role="alert" data-testid="form-error">
          {message}
        </div>
      ) : null}
    </div>
  );
}
