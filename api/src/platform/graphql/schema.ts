import fs from 'node:fs';
import path from 'node:path';
import { makeExecutableSchema } from '@graphql-tools/schema';
import type { GraphQLSchema } from 'graphql';
import { accountResolvers } from '../../accounts/accounts.resolvers';
import { identityResolvers } from '../../accounts/identity/identity.resolvers';
import { billingResolvers } from '../../billing/billing.resolvers';
import { outgoingWebhookResolvers } from '../outgoing-webhooks/outgoing-webhooks.resolvers';
import { retentionResolvers } from '../../retention/retention.resolvers';
import { retentionAppsResolvers } from '../../retention/apps/retention-apps.resolvers';
import { liveResolvers } from './live.resolvers';
import { DateTimeScalar } from './scalars';

/** schema.graphql sits at the repository root, four levels above this file in src/ and dist/ alike. */
export const SCHEMA_PATH = path.resolve(__dirname, '../../../../schema.graphql');

/** The one executable schema, served over HTTP and WebSocket. */
export function buildSchema(): GraphQLSchema {
  return makeExecutableSchema({
    typeDefs: fs.readFileSync(SCHEMA_PATH, 'utf8'),
    resolvers: [{ DateTime: DateTimeScalar }, accountResolvers, identityResolvers, billingResolvers, outgoingWebhookResolvers, retentionResolvers, retentionAppsResolvers, liveResolvers],
    inheritResolversFromInterfaces: true,
  });
}
