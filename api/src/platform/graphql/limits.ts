import depthLimit from 'graphql-depth-limit';
import { GraphQLError, type DocumentNode, type GraphQLSchema, type ValidationRule } from 'graphql';
import { getComplexity, simpleEstimator } from 'graphql-query-complexity';

// Limits applied to every operation, over HTTP (Apollo plugin) and WebSocket (graphql-ws
// onSubscribe) alike: a maximum depth, checked while validating, and a maximum complexity
// (1 per field), checked once the operation and its variables are known.

export function depthRule(maxDepth: number): ValidationRule {
  return depthLimit(maxDepth) as ValidationRule;
}

export function assertComplexity(args: {
  schema: GraphQLSchema;
  document: DocumentNode;
  operationName?: string | null;
  variables?: Record<string, unknown>;
  maxComplexity: number;
}): void {
  let complexity: number;
  try {
    complexity = getComplexity({
      schema: args.schema,
      query: args.document,
      operationName: args.operationName ?? undefined,
      variables: args.variables ?? {},
      estimators: [simpleEstimator({ defaultComplexity: 1 })],
    });
  } catch (error) {
    // getComplexity coerces the variables first; a bad variable is the client's mistake.
    if (error instanceof GraphQLError) throw new GraphQLError(error.message, { extensions: { code: 'BAD_USER_INPUT' } });
    throw error;
  }
  if (complexity > args.maxComplexity) {
    throw new GraphQLError(
      `The query is too complex (${complexity}; the limit is ${args.maxComplexity}). Ask for fewer fields.`,
      { extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } },
    );
  }
}
