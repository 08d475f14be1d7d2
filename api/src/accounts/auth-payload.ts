import type { UserEntity } from './user.entity';

/** What `signup`, `login`, `refreshSession` and `changePassword` return (the GraphQL AuthPayload). */
export interface AuthPayloadModel {
  accessToken: string;
  accessTokenExpiresAt: Date;
  refreshToken: string;
  refreshTokenExpiresAt: Date;
  user: UserEntity;
}

/** Where a request came from, recorded on the session it creates and used for rate limits. */
export interface RequestMeta {
  ip: string;
  userAgent: string | null;
}
