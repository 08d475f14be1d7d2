import { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH } from '~/lib/password-rules';
import type { InputHTMLAttributes, ReactNode } from 'react';

export interface FieldProps extends Omit<InputHTMLAttributes<HTMLInputElement>, 'id' | 'name'> {
  label: string;
  name: string;
  /** Defaults to `name`; ids must be unique on the page. */
  id?: string;
  hint?: ReactNode;
  error?: string | null;
}

/** A labelled input with an optional hint and inline error, wired up for screen readers. */
export function Field({ label, name, id = name, hint, error, ...input }: FieldProps) {
  const hintId = hint ? `${id}-hint` : undefined;
  const errorId = error ? `${id}-error` : undefined;
  const describedBy = [errorId, hintId].filter(Boolean).join(' ') || undefined;
  return (
    <div className={error ? 'field field--invalid' : 'field'}>
      <label htmlFor={id}>{label}</label>
      <input id={id} name={name} aria-invalid={error ? true : undefined} aria-describedby={describedBy} {...input} />
      {error ? (
        <p id={errorId} className="field-error">
          {error}
        </p>
      ) : null}
      {hint ? (
        <p id={hintId} className="field-hint">
          {hint}
        </p>
      ) : null}
    </div>
  );
}

type PresetProps = Omit<FieldProps, 'label' | 'name' | 'type'> & Partial<Pick<FieldProps, 'label' | 'name'>>;

/** An email input with the attributes phones need (keyboard, no auto-capitalising). */
export function EmailField(props: PresetProps) {
  return (
    <Field label="Email" name="email" type="email" inputMode="email" autoComplete="email" autoCapitalize="none" spellCheck={false} required {...props} />
  );
}

/** A new-password input carrying the API's length rules, so browsers and password managers see them. */
export function NewPasswordField(props: PresetProps) {
  return (
    <Field
      label="New password"
      name="newPassword"
      type="password"
      autoComplete="new-password"
      required
      minLength={PASSWORD_MIN_LENGTH}
      maxLength={PASSWORD_MAX_LENGTH}
      hint={`At least ${PASSWORD_MIN_LENGTH} characters.`}
      {...props}
    />
  );
}
