import { hkdfSync } from 'node:crypto';
import path from 'node:path';
import { ConfigError, loadConfig } from '../src/config';

describe('loadConfig', () => {
  it('gives a working development default with no environment at all', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({ env: 'development', http: { port: 4000 }, publicApiUrl: 'http://localhost:4000', database: { url: undefined } });
    expect(config.tokens.accessTokenTtlSeconds).toBe(900);
    expect(config.graphql.introspection).toBe(true);
  });

  it('resolves DATA_DIR from the repository root, so `npm start` and the CLIs share it wherever they run', () => {
    const root = path.resolve(__dirname, '../..');
    expect(loadConfig({}).dataDir).toBe(path.join(root, '.data'));
    expect(loadConfig({ DATA_DIR: 'elsewhere/data' }).dataDir).toBe(path.join(root, 'elsewhere/data'));
    expect(loadConfig({ DATA_DIR: '/tmp/abs' }).dataDir).toBe('/tmp/abs');
  });

  it('derives the app-key encryption key from RETENTION_SECRET unless one is set (and checks its shape)', () => {
    const secret = 'r'.repeat(40);
    const derived = loadConfig({ RETENTION_SECRET: secret }).retention.appKeysEncryptionKey;
    expect(derived).toEqual(Buffer.from(hkdfSync('sha256', secret, 'crossbill', 'retention app keys v1', 32)));
    const explicit = 'ab'.repeat(32);
    expect(loadConfig({ RETENTION_SECRET: secret, RETENTION_APP_KEYS_ENCRYPTION_KEY: explicit }).retention.appKeysEncryptionKey.toString('hex')).toBe(explicit);
    expect(() => loadConfig({ RETENTION_APP_KEYS_ENCRYPTION_KEY: 'short' })).toThrow(/RETENTION_APP_KEYS_ENCRYPTION_KEY/);
  });

  it('refuses to start in production without its secrets', () => {
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(/DATABASE_URL, JWT_SIGNING_KEYS, PUBLIC_API_URL/);
  });

  it('starts in production when they are given, without introspection by default', () => {
    const config = loadConfig({
      NODE_ENV: 'production',
      DATABASE_URL: 'postgres://u:p@db:5432/crossbill',
      JWT_SIGNING_KEYS: '[]',
      PUBLIC_API_URL: 'https://api.example.com/',
      RETENTION_SECRET: 'r'.repeat(40),
    });
    expect(config.publicApiUrl).toBe('https://api.example.com');
    expect(config.graphql.introspection).toBe(false);
  });

  it.each([
    [{ API_PORT: 'eighty' }, /API_PORT/],
    [{ ACCESS_TOKEN_TTL_SECONDS: '86400' }, /ACCESS_TOKEN_TTL_SECONDS/],
    [{ DATABASE_URL: 'not a url' }, /DATABASE_URL/],
    [{ RATE_LIMITS_ENABLED: 'maybe' }, /RATE_LIMITS_ENABLED/],
  ])('names the bad variable (%o)', (env, pattern) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(pattern);
  });
});
