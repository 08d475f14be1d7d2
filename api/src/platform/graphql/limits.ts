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
  const complexity = getComplexity({
    schema: args.schema,
    query: args.document,
    operationName: args.operationName ?? undefined,
    variables: args.variables ?? {},
    estimators: [simpleEstimator({ defaultComplexity: 1 })],
  });
  if (complexity > args.maxComplexity) {
    throw new GraphQLError(
      `The query is too complex (${complexity}; the limit is ${args.maxComplexity}). Ask for fewer fields.`,
      { extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } },
    );
  }
}
