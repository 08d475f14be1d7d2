import { ConfigError, loadConfig } from '../src/config';

describe('loadConfig', () => {
  it('gives a working development default with no environment at all', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({ env: 'development', http: { port: 4000 }, publicApiUrl: 'http://localhost:4000', database: { url: undefined } });
    expect(config.tokens.accessTokenTtlSeconds).toBe(900);
    expect(config.graphql.introspection).toBe(true);
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
