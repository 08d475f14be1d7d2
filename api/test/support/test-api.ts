import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { Client } from 'pg';
import pino from 'pino';
import type { DataSource } from 'typeorm';
import { startApi, type Api } from '../../src/app';
import { loadConfig, type Config } from '../../src/config';
import { createDataSource } from '../../src/platform/db/data-source';
import { runMigrations } from '../../src/platform/db/migrate';
import { MailMessageEntity } from '../../src/platform/mail/mail-message.entity';

export interface GqlResult<T = any> {
  status: number;
  data?: T;
  errors?: Array<{ message: string; extensions?: Record<string, any>; path?: string[] }>;
  headers: Headers;
}

export interface TestApi {
  url: string;
  config: Config;
  dataSource: DataSource;
  api: Api;
  logs: Array<Record<string, any>>;
  gql<T = any>(query: string, variables?: Record<string, unknown>, options?: { token?: string; headers?: Record<string, string> }): Promise<GqlResult<T>>;
  /** Mails in the outbox to an address, newest first. */
  mailsTo(to: string): Promise<MailMessageEntity[]>;
  close(): Promise<void>;
}

function adminUrl(): string {
  const url = process.env.TEST_PG_ADMIN_URL;
  if (!url) throw new Error('TEST_PG_ADMIN_URL is not set: run the tests through jest (global setup starts PostgreSQL)');
  return url;
}

/** A fresh database on the shared test cluster, migrated. */
export async function createTestDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `t_${randomBytes(6).toString('hex')}`;
  const admin = new Client({ connectionString: adminUrl() });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(adminUrl());
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const c = new Client({ connectionString: adminUrl() });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

/**
 * The real API on a fresh, migrated database and a random port, talking real HTTP.
 * `env` overrides the environment the config is parsed from.
 */
export async function startTestApi(env: Record<string, string> = {}): Promise<TestApi> {
  const db = await createTestDatabase();
  const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'crossbill-test-data-'));
  const config = loadConfig({
    NODE_ENV: 'test',
    DATABASE_URL: db.url,
    DATA_DIR: dataDir,
    API_HOST: '127.0.0.1',
    API_PORT: '0',
    LOG_LEVEL: 'debug',
    DATABASE_POOL_SIZE: '5',
    ...env,
  });
  const logs: Array<Record<string, any>> = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      for (const line of String(chunk).split('\n')) if (line) logs.push(JSON.parse(line));
      done();
    },
  });
  const log = pino({ level: config.logLevel }, sink);
  const dataSource = createDataSource(db.url, 5);
  await dataSource.initialize();
  await runMigrations(dataSource);
  const api = await startApi(config, log, dataSource, 0);
  const url = api.server.url.replace('localhost', '127.0.0.1');

  return {
    url,
    config,
    dataSource,
    api,
    logs,
    async gql(query, variables, options = {}) {
      const res = await fetch(`${url}/graphql`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
          ...options.headers,
        },
        body: JSON.stringify({ query, variables }),
      });
      const body = (await res.json()) as { data?: any; errors?: any[] };
      return { status: res.status, data: body.data, errors: body.errors, headers: res.headers };
    },
    async mailsTo(to) {
      return dataSource.getRepository(MailMessageEntity).find({ where: { to }, order: { createdAt: 'DESC' } });
    },
    async close() {
      await api.close();
      await dataSource.destroy();
      await db.drop();
      await fs.rm(dataDir, { recursive: true, force: true });
    },
  };
}

export const errorCode = (result: GqlResult) => result.errors?.[0]?.extensions?.code;

export const SIGNUP = /* GraphQL */ `
  mutation Signup($input: SignupInput!) {
    signup(input: $input) { accessToken accessTokenExpiresAt refreshToken refreshTokenExpiresAt user { id email emailVerified name createdAt } }
  }
`;
export const LOGIN = /* GraphQL */ `
  mutation Login($input: LoginInput!) {
    login(input: $input) { accessToken refreshToken user { id email } }
  }
`;
export const ME = /* GraphQL */ `{ me { id email emailVerified name } }`;
export const REFRESH = /* GraphQL */ `
  mutation Refresh($refreshToken: String!) { refreshSession(refreshToken: $refreshToken) { accessToken refreshToken user { id } } }
`;

export const GOOD_PASSWORD = 'lantern-orbit-93';

let counter = 0;
/** A unique address per call, so tests in one file do not collide. */
export function uniqueEmail(prefix = 'user'): string {
  counter += 1;
  return `${prefix}-${counter}-${randomBytes(3).toString('hex')}@example.com`;
}

/** Signs up a new user and returns the AuthPayload. */
export async function signUp(
  t: TestApi,
  overrides: Partial<{ email: string; password: string; name: string }> = {},
  options: { headers?: Record<string, string> } = {},
) {
  const input = { email: uniqueEmail(), password: GOOD_PASSWORD, name: 'Test User', ...overrides };
  const result = await t.gql(SIGNUP, { input }, options);
  if (result.errors) throw new Error(`signup failed: ${JSON.stringify(result.errors)}`);
  return { ...result.data.signup, password: input.password } as {
    accessToken: string;
    refreshToken: string;
    user: { id: string; email: string };
    password: string;
  };
}

/** The token in the newest mail to an address that links to `route`. */
export async function tokenFromMail(t: TestApi, to: string, route: '/verify-email' | '/reset-password'): Promise<string> {
  for (let i = 0; i < 50; i++) {
    const [mail] = await t.mailsTo(to);
    const match = mail && new RegExp(`${route}\\?token=([A-Za-z0-9_%-]+)`).exec(mail.text);
    if (match) return decodeURIComponent(match[1]!);
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`no ${route} mail to ${to}`);
}
