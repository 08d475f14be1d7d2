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
  ACCOUNT_EXISTS_SIGN_IN_TO_LINK:
    'An account with this email already exists. Sign in with your password, then link this provider from your account page.',
  IDENTITY_IN_USE: 'This sign-in is already linked to another account.',
  PROVIDER_EMAIL_UNVERIFIED: 'The provider has not verified this email address, so it cannot be used to create or join an account.',
  PROVIDER_NOT_CONFIGURED: 'This way of signing in is not set up on this server.',
  LAST_SIGN_IN_METHOD: 'This is your only way to sign in. Set a password or link another provider first.',
  APPLE_VERIFICATION_FAILED: 'The App Store purchase could not be verified.',
  APPLE_PURCHASE_OWNED_BY_OTHER_ACCOUNT: 'This App Store purchase belongs to another account. Sign in with that account to use it.',
  CANCEL_SESSION_INVALID: 'This cancellation link is not valid. Start again from your account page.',
  CANCEL_SESSION_EXPIRED: 'This cancellation link has expired. Start again from your account page.',
  CANCEL_SESSION_COMPLETED: 'This cancellation has already been completed.',
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
