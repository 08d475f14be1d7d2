import { data } from '@remix-run/node';
import { z } from 'zod';
import { ApiError } from './graphql.server';
import { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH } from './password-rules';

// What every form action shares: reading the form, zod parsing of the posted fields, and
// turning API errors into inline field errors plus one form-level message.

/** What a failed form action returns; the route renders it next to the fields. */
export interface FormFailure<Values extends Record<string, string> = Record<string, string>> {
  ok: false;
  /** One message for the whole form (role="alert"), or null when the field errors say it all. */
  formError: string | null;
  /** Per-field messages, keyed by input name. */
  fieldErrors: Partial<Record<string, string>>;
  /** Non-secret values to put back in the inputs (never passwords). */
  values: Partial<Values>;
  /** Which of several forms on the page failed (the `intent` button value). */
  intent?: string;
}

/**
 * Reads a posted form; a body that is not a form is a 400. (Cross-site posts never get here:
 * web/server.js refuses them.)
 */
export async function readForm(request: Request): Promise<FormData> {
  try {
    return await request.formData();
  } catch {
    throw new Response('Send the form as form data.', { status: 400, statusText: 'Bad Request' });
  }
}

/** The named fields of a form as strings ('' when missing or a file). */
export function formValues<K extends string>(formData: FormData, names: readonly K[]): Record<K, string> {
  const values = {} as Record<K, string>;
  for (const name of names) {
    const value = formData.get(name);
    values[name] = typeof value === 'string' ? value : '';
  }
  return values;
}

export type ParseResult<T> = { ok: true; data: T } | { ok: false; fieldErrors: Record<string, string> };

/** Parses with zod; the first problem of each field becomes its inline message. */
export function parseWith<S extends z.ZodType>(schema: S, input: unknown): ParseResult<z.output<S>> {
  const result = schema.safeParse(input);
  if (result.success) return { ok: true, data: result.data };
  const fieldErrors: Record<string, string> = {};
  for (const issue of result.error.issues) {
    const key = issue.path.map(String).join('.') || 'form';
    fieldErrors[key] ??= issue.message;
  }
  return { ok: false, fieldErrors };
}

/** "Too many attempts, try again in 3 minutes" */
export function rateLimitMessage(retryAfterSeconds: number | null): string {
  const minutes = Math.max(1, Math.ceil((retryAfterSeconds ?? 60) / 60));
  return `Too many attempts, try again in ${minutes} ${minutes === 1 ? 'minute' : 'minutes'}.`;
}

/**
 * Turns an API error into what the form shows: the API's per-field problems next to the
 * inputs this form has (`fieldNames`), everything else as the form-level message.
 */
export function apiErrorToForm(error: ApiError, fieldNames: readonly string[]): Pick<FormFailure, 'formError' | 'fieldErrors'> {
  if (error.code === 'RATE_LIMITED') return { formError: rateLimitMessage(error.retryAfterSeconds), fieldErrors: {} };
  const fieldErrors: Record<string, string> = {};
  const leftOver: string[] = [];
  for (const problem of error.fields) {
    if (fieldNames.includes(problem.field)) fieldErrors[problem.field] ??= problem.message;
    else leftOver.push(problem.message);
  }
  const mapped = Object.keys(fieldErrors).length > 0;
  const formError = leftOver[0] ?? (mapped ? null : error.message);
  return { formError, fieldErrors };
}

/** A 400 response with a FormFailure, for `useActionData`. */
export function formFailure<Values extends Record<string, string>>(
  failure: Omit<FormFailure<Values>, 'ok'>,
  init: { headers?: HeadersInit; status?: number } = {},
) {
  return data({ ok: false as const, ...failure } satisfies FormFailure<Values>, { status: init.status ?? 400, headers: init.headers });
}

// Field rules shared by the forms. The API checks everything again (and more: common
// passwords); these give instant, friendly messages for the obvious mistakes.


export const emailField = z
  .string()
  .trim()
  .min(1, 'Enter your email address.')
  .max(254, 'An email address has at most 254 characters.')
  .pipe(z.email('Enter a valid email address, like name@example.com.'));

export const currentPasswordField = (message = 'Enter your password.') =>
  z.string().min(1, message).max(PASSWORD_MAX_LENGTH, 'The password is too long.');

export const newPasswordField = z
  .string()
  .min(1, 'Choose a password.')
  .min(PASSWORD_MIN_LENGTH, `Use at least ${PASSWORD_MIN_LENGTH} characters.`)
  .max(PASSWORD_MAX_LENGTH, `Use at most ${PASSWORD_MAX_LENGTH} characters.`);

export const nameField = z.string().trim().min(1, 'Enter your name.').max(100, 'Use at most 100 characters.');
