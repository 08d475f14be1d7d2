import { unwrapResolverError } from '@apollo/server/errors';
import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import { errorCodes, isAppError } from '../errors';

// Codes that graphql-js and Apollo produce for malformed requests; their messages are about
// the query, not our internals, so they pass through.
const REQUEST_ERROR_CODES = new Set([
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'BAD_USER_INPUT',
  'BAD_REQUEST',
  'PERSISTED_QUERY_NOT_FOUND',
  'PERSISTED_QUERY_NOT_SUPPORTED',
  'OPERATION_RESOLUTION_FAILURE',
]);

/**
 * The one place errors become what clients see: AppErrors keep their code and message;
 * request errors keep theirs; anything else is masked (no stack, no driver message) and
 * marked INTERNAL_SERVER_ERROR. Logging with the request id happens in the server plugin.
 */
export function formatError(formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError {
  const original = unwrapResolverError(error);
  if (isAppError(original)) {
    return { message: original.message, path: formatted.path, locations: formatted.locations, extensions: original.extensions };
  }
  const code = formatted.extensions?.code;
  if (typeof code === 'string' && REQUEST_ERROR_CODES.has(code)) {
    return { message: formatted.message, locations: formatted.locations, path: formatted.path, extensions: { code } };
  }
  return { message: errorCodes.INTERNAL_SERVER_ERROR, path: formatted.path, extensions: { code: 'INTERNAL_SERVER_ERROR' } };
}

/** True for errors that formatError masks: those are the ones worth a log line with a stack. */
export function isUnexpectedError(error: unknown): boolean {
  const original = unwrapResolverError(error);
  if (isAppError(original)) return false;
  const code = original instanceof GraphQLError ? original.extensions?.code : undefined;
  return !(typeof code === 'string' && REQUEST_ERROR_CODES.has(code));
}
