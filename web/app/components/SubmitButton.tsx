import { useFormAction, useNavigation } from '@remix-run/react';
import type { ButtonHTMLAttributes } from 'react';

interface SubmitButtonProps extends Omit<ButtonHTMLAttributes<HTMLButtonElement>, 'type'> {
  /** The form's action when it is not the current route (e.g. "/logout"). */
  formActionPath?: string;
  /** When several forms post to one action, the `intent` this button sends. */
  intent?: string;
  variant?: 'primary' | 'secondary' | 'danger' | 'link';
}

/**
 * A submit button that shows a pending state while its own form is being submitted (with
 * JavaScript). Its text never changes, so it keeps one accessible name.
 */
export function SubmitButton({ formActionPath, intent, variant = 'primary', className, children, disabled, ...rest }: SubmitButtonProps) {
  const navigation = useNavigation();
  const currentAction = useFormAction();
  const action = formActionPath ?? currentAction;
  const pending =
    navigation.state !== 'idle' &&
    navigation.formMethod?.toUpperCase() === 'POST' &&
    navigation.formAction === action &&
    (intent === undefined || navigation.formData?.get('intent') === intent);
  return (
    <button
      type="submit"
      name={intent ? 'intent' : undefined}
      value={intent}
      className={['button', `button--${variant}`, className].filter(Boolean).join(' ')}
      aria-busy={pending || undefined}
      aria-disabled={pending || undefined}
      data-pending={pending || undefined}
      disabled={disabled}
      onClick={(event) => {
        // Keep one submission in flight; a disabled attribute would drop the button's value.
        if (pending) event.preventDefault();
      }}
      {...rest}
    >
      {pending ? <span className="spinner" aria-hidden="true" /> : null}
      <span>{children}</span>
    </button>
  );
}
