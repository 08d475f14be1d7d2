import { IdentityEntity } from '../../accounts/identity/identity.entity';
import { OneTimeTokenEntity } from '../../accounts/one-time-token.entity';
import { RefreshTokenEntity, SessionEntity } from '../../accounts/session.entity';
import { UserEntity } from '../../accounts/user.entity';
import { StoreSubscriptionEntity } from '../../billing/store-subscription.entity';
import { StripeCustomerEntity } from '../../billing/stripe/stripe-customer.entity';
import { InboxEventEntity } from '../inbox/inbox-event.entity';
import { MailMessageEntity } from '../mail/mail-message.entity';
import { OutgoingDeliveryEntity, OutgoingEventEntity } from '../outgoing-webhooks/outgoing-webhook.entities';
import { RateLimitEntity } from '../rate-limit/rate-limit.entity';
import { CancelSessionEntity } from '../../retention/cancel-session.entity';
import { RetentionFlowConfigEntity } from '../../retention/flow-config.entity';
import { RetentionAppEntity, RetentionAppKeyEntity } from '../../retention/apps/retention-app.entities';

/** Every entity of every domain. The schema itself comes only from ./migrations. */
export const entities = [
  UserEntity,
  SessionEntity,
  RefreshTokenEntity,
  OneTimeTokenEntity,
  MailMessageEntity,
  RateLimitEntity,
  InboxEventEntity,
  StripeCustomerEntity,
  StoreSubscriptionEntity,
  IdentityEntity,
  OutgoingEventEntity,
  OutgoingDeliveryEntity,
  CancelSessionEntity,
  RetentionFlowConfigEntity,
  RetentionAppEntity,
  RetentionAppKeyEntity,
];
