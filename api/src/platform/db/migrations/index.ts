import { Init1763700000000 } from './1763700000000-init';
import { Billing1763800000000 } from './1763800000000-billing';
import { Identities1763900000000 } from './1763900000000-identities';
import { AppAccountToken1764000000000 } from './1764000000000-app-account-token';
import { UserRole1764100000000 } from './1764100000000-user-role';
import { OutgoingWebhooks1764200000000 } from './1764200000000-outgoing-webhooks';
import { CancelSessions1764300000000 } from './1764300000000-cancel-sessions';
import { RetentionApps1764400000000 } from './1764400000000-retention-apps';

/** Every migration, oldest first. This list is the only source of the database schema. */
export const migrations = [Init1763700000000, Billing1763800000000, Identities1763900000000, AppAccountToken1764000000000, UserRole1764100000000, OutgoingWebhooks1764200000000, CancelSessions1764300000000, RetentionApps1764400000000];
