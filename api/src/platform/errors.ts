// Every error a client may see has a stable code from this table and a human message.
// Services throw AppError; platform/graphql/format-error.ts is the one place that turns
// errors into GraphQL errors, masking anything that is not an AppError.

export const errorCodes = {
  UNAUTHENTICATED: 'Sign in to continue.',
  TOKEN_EXPIRED: 'Your session has expired. Sign in again.',
  FORBIDDEN: 'You are not allowed to do that.',
  BAD_USER_INPUT: 'Some of the information you entered is not valid.',
  EMAIL_TAKEN: 'An account with this email already exists. Sign in instead.',
  INVALID_CREDENTIALS: 'The email or password is not correct.',
  INVALID_TOKEN: 'This link or token is not valid. Request a new one.',
  RATE_LIMITED: 'Too many attempts. Wait a little and try again.',
  NOT_FOUND: 'Not found.',
  ALREADY_SUBSCRIBED: 'You already have an active subscription.',
  BILLING_UNAVAILABLE: 'Payments are unavailable right now. Try again in a moment.',
  PAYMENT_FAILED: 'The payment did not go through. Try another payment method.',
  INTERNAL_SERVER_ERROR: 'Something went wrong on our side. Try again in a moment.',
} as const;

export type ErrorCode = keyof typeof errorCodes;

export interface FieldProblem {
  field: string;
  message: string;
}

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly fields?: FieldProblem[];
  readonly retryAfterSeconds?: number;
  /** Extra, safe facts for clients (e.g. which store owns a subscription). */
  readonly details?: Record<string, string | number | boolean | null>;

  constructor(
    code: ErrorCode,
    message: string = errorCodes[code],
    extra: { fields?: FieldProblem[]; retryAfterSeconds?: number; details?: AppError['details']; cause?: unknown } = {},
  ) {
    super(message, { cause: extra.cause });
    this.name = 'AppError';
    this.code = code;
    this.fields = extra.fields;
    this.retryAfterSeconds = extra.retryAfterSeconds;
    this.details = extra.details;
  }

  get extensions(): Record<string, unknown> {
    return {
      ...this.details,
      code: this.code,
      ...(this.fields ? { fields: this.fields } : {}),
      ...(this.retryAfterSeconds !== undefined ? { retryAfterSeconds: this.retryAfterSeconds } : {}),
    };
  }
}

export const isAppError = (e: unknown): e is AppError => e instanceof AppError;
