/** Errors in Stripe's wire shape: `{ error: { type, code, message, param, decline_code, … } }`. */
export interface StripeErrorBody {
  type: 'api_error' | 'card_error' | 'idempotency_error' | 'invalid_request_error';
  code?: string;
  decline_code?: string;
  message: string;
  param?: string;
  doc_url?: string;
  request_log_url?: string;
  [key: string]: unknown;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: StripeErrorBody,
  ) {
    super(body.message);
  }

  static invalid(message: string, param?: string, code?: string): ApiError {
    return new ApiError(400, {
      type: 'invalid_request_error',
      message,
      ...(param ? { param } : {}),
      ...(code ? { code, doc_url: `https://stripe.com/docs/error-codes/${code.replace(/_/g, '-')}` } : {}),
    });
  }

  static missing(kind: string, id: string, param = 'id'): ApiError {
    return new ApiError(404, {
      type: 'invalid_request_error',
      code: 'resource_missing',
      doc_url: 'https://stripe.com/docs/error-codes/resource-missing',
      message: `No such ${kind}: '${id}'`,
      param,
    });
  }

  static unauthorized(key: string): ApiError {
    const shown = key ? `${key.slice(0, 8)}${'*'.repeat(Math.max(0, key.length - 12))}${key.slice(-4)}` : '';
    return new ApiError(401, {
      type: 'invalid_request_error',
      message: key
        ? `Invalid API Key provided: ${shown}`
        : "You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY').",
    });
  }

  static card(code: string, message: string, extra: Record<string, unknown>): ApiError {
    return new ApiError(402, {
      type: 'card_error',
      code,
      message,
      doc_url: `https://stripe.com/docs/error-codes/${code.replace(/_/g, '-')}`,
      ...extra,
    });
  }
}
