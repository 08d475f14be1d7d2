import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { print, type DocumentNode } from 'graphql';
import { env } from './env.server';

// The web server's one way to talk to the API: typed documents from ~/graphql/generated,
// `fetch` + `print`, errors mapped to ApiError. Runs on the server only; the browser never
// talks to the API and never sees a token.

export type ApiErrorCode =
  | 'UNAUTHENTICATED'
  | 'TOKEN_EXPIRED'
  | 'FORBIDDEN'
  | 'BAD_USER_INPUT'
  | 'EMAIL_TAKEN'
  | 'INVALID_CREDENTIALS'
  | 'INVALID_TOKEN'
  | 'RATE_LIMITED'
  | 'NOT_FOUND'
  | 'ALREADY_SUBSCRIBED'
  | 'BILLING_UNAVAILABLE'
  | 'PAYMENT_FAILED'
  | 'INTERNAL_SERVER_ERROR'
  // Anything else the API may add later, without losing the known codes' autocompletion.
  | (string & {});

export interface FieldProblem {
  field: string;
  message: string;
}

/** A GraphQL error from the API: a stable code, a human message, optional per-field problems. */
export class ApiError extends Error {
  readonly code: ApiErrorCode;
  readonly fields: FieldProblem[];
  readonly retryAfterSeconds: number | null;
  /** The error's other scalar extensions, e.g. `store` on ALREADY_SUBSCRIBED. */
  readonly details: Readonly<Record<string, string | number | boolean | null>>;

  constructor(
    code: ApiErrorCode,
    message: string,
    extra: { fields?: FieldProblem[]; retryAfterSeconds?: number | null; details?: Record<string, string | number | boolean | null> } = {},
  ) {
    super(message);
    this.name = 'ApiError';
    this.code = code;
    this.fields = extra.fields ?? [];
    this.retryAfterSeconds = extra.retryAfterSeconds ?? null;
    this.details = extra.details ?? {};
  }
}

export const isApiError = (error: unknown, ...codes: ApiErrorCode[]): error is ApiError =>
  error instanceof ApiError && (codes.length === 0 || codes.includes(error.code));

/** True for the 503 Response that `gql` throws when the API cannot be reached. */
export const isServiceUnavailable = (error: unknown): error is Response =>
  error instanceof Response && error.status === 503;

/**
 * The API could not be reached or answered garbage. Thrown as a 503 Response so Remix renders
 * the "service unavailable" error page (never a stack trace); callers that catch ApiError must
 * re-throw everything else.
 */
function serviceUnavailable(reason: string, cause?: unknown): Response {
  console.error(`[web] API unavailable: ${reason}`, cause instanceof Error ? cause.message : (cause ?? ''));
  return new Response('The service is unavailable. Try again in a moment.', {
    status: 503,
    statusText: 'Service Unavailable',
    headers: { 'Content-Type': 'text/plain; charset=utf-8', 'Retry-After': '10' },
  });
}

/**
 * Headers that tell the API who the real caller is: it rate-limits per client IP and records
 * the user agent of each sign-in. server.js replaces X-Forwarded-For on every incoming request
 * with the client address it computed (honouring TRUST_PROXY), so it is safe to pass on.
 */
export function forwardedHeaders(request: Request): Record<string, string> {
  const headers: Record<string, string> = {};
  const forwardedFor = request.headers.get('x-forwarded-for');
  if (forwardedFor) headers['X-Forwarded-For'] = forwardedFor;
  const userAgent = request.headers.get('user-agent');
  if (userAgent) headers['User-Agent'] = userAgent;
  const requestId = request.headers.get('x-request-id');
  if (requestId) headers['X-Request-Id'] = requestId;
  return headers;
}

interface GraphQLResponse<TData> {
  data?: TData | null;
  errors?: Array<{ message?: string; extensions?: Record<string, unknown> }>;
}

function toApiError(error: { message?: string; extensions?: Record<string, unknown> }): ApiError {
  const ext = error.extensions ?? {};
  const code = typeof ext.code === 'string' ? ext.code : 'INTERNAL_SERVER_ERROR';
  const fields = Array.isArray(ext.fields)
    ? ext.fields.filter(
        (f): f is FieldProblem => typeof f === 'object' && f !== null && typeof f.field === 'string' && typeof f.message === 'string',
      )
    : [];
  const retryAfterSeconds = typeof ext.retryAfterSeconds === 'number' ? ext.retryAfterSeconds : null;
  const message = typeof error.message === 'string' && error.message ? error.message : 'Something went wrong. Try again in a moment.';
  const details: Record<string, string | number | boolean | null> = {};
  for (const [key, value] of Object.entries(ext)) {
    if (['code', 'fields', 'retryAfterSeconds', 'stacktrace'].includes(key)) continue;
    if (value === null || ['string', 'number', 'boolean'].includes(typeof value)) details[key] = value as string | number | boolean | null;
  }
  return new ApiError(code, message, { fields, retryAfterSeconds, details });
}

const printed = new WeakMap<DocumentNode, string>();
const printOnce = (document: DocumentNode) => {
  let query = printed.get(document);
  if (query === undefined) {
    query = print(document);
    printed.set(document, query);
  }
  return query;
};

const operationName = (document: DocumentNode): string | undefined => {
  for (const definition of document.definitions) {
    if (definition.kind === 'OperationDefinition') return definition.name?.value;
  }
  return undefined;
};

/**
 * Runs one typed operation against the API on behalf of `request`'s caller.
 * Returns `data`, throws ApiError for a GraphQL error, throws a 503 Response when the API is
 * unreachable.
 */
export async function gql<TData, TVariables extends Record<string, unknown>>(
  request: Request,
  document: TypedDocumentNode<TData, TVariables>,
  variables: TVariables,
  options: { accessToken?: string | null } = {},
): Promise<TData> {
  const headers: Record<string, string> = {
    ...forwardedHeaders(request),
    'Content-Type': 'application/json',
    Accept: 'application/graphql-response+json, application/json',
  };
  if (options.accessToken) headers.Authorization = `Bearer ${options.accessToken}`;

  let response: globalThis.Response;
  try {
    response = await fetch(env.apiUrl, {
      method: 'POST',
      headers,
      body: JSON.stringify({ query: printOnce(document), operationName: operationName(document), variables }),
      signal: AbortSignal.timeout(env.apiTimeoutMs),
      redirect: 'error',
    });
  } catch (error) {
    throw serviceUnavailable(`${env.apiUrl} did not answer`, error);
  }

  let body: GraphQLResponse<TData>;
  try {
    body = (await response.json()) as GraphQLResponse<TData>;
  } catch (error) {
    throw serviceUnavailable(`${env.apiUrl} answered HTTP ${response.status} without a GraphQL body`, error);
  }
  const first = body.errors?.[0];
  if (first) throw toApiError(first);
  if (body.data == null) throw serviceUnavailable(`${env.apiUrl} answered HTTP ${response.status} without data`);
  return body.data;
}
