import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { signUp, startTestApi, type TestApi } from '../support/test-api';

let t: TestApi;
beforeAll(async () => {
  t = await startTestApi();
});
afterAll(() => t.close());

function connect(connectionParams: Record<string, unknown> | undefined): { client: Client; closed: Promise<{ code: number; reason: string }> } {
  let onClosed!: (e: { code: number; reason: string }) => void;
  const closed = new Promise<{ code: number; reason: string }>((resolve) => (onClosed = resolve));
  const client = createClient({
    url: `${t.url.replace('http', 'ws')}/graphql`,
    webSocketImpl: WebSocket,
    connectionParams,
    retryAttempts: 0,
    lazy: false,
    on: { closed: (event) => onClosed(event as { code: number; reason: string }) },
    onNonLazyError: () => undefined,
  });
  return { client, closed };
}

function firstResult(client: Client, query: string): Promise<any> {
  return new Promise((resolve, reject) => {
    const dispose = client.subscribe({ query }, {
      next: (value) => {
        dispose();
        resolve(value);
      },
      error: reject,
      complete: () => undefined,
    });
  });
}

it('serves the Live root over graphql-ws on /graphql for a signed-in connection', async () => {
  const { accessToken } = await signUp(t);
  const { client } = connect({ authToken: accessToken });
  try {
    const result = await firstResult(client, `subscription { heartbeat(seconds: 1) }`);
    expect(Date.parse(result.data.heartbeat)).toBeGreaterThan(Date.now() - 5000);
  } finally {
    await client.dispose();
  }
});

it('accepts "Bearer <token>" too', async () => {
  const { accessToken } = await signUp(t);
  const { client } = connect({ authorization: `Bearer ${accessToken}` });
  try {
    const result = await firstResult(client, `subscription { heartbeat(seconds: 1) }`);
    expect(result.data.heartbeat).toBeDefined();
  } finally {
    await client.dispose();
  }
});

it.each([
  ['no credentials', undefined, 4401],
  ['a garbage token', { authToken: 'garbage' }, 4403],
])('closes %s with the right code', async (_label, params, code) => {
  const { client, closed } = connect(params);
  const event = await closed;
  expect(event.code).toBe(code);
  await client.dispose();
});

it('closes with 4401 when the access token expires while connected', async () => {
  const short = await startTestApi({ ACCESS_TOKEN_TTL_SECONDS: '1' });
  try {
    const { accessToken } = await signUp(short);
    let onClosed!: (e: { code: number }) => void;
    const closed = new Promise<{ code: number }>((resolve) => (onClosed = resolve));
    const client = createClient({
      url: `${short.url.replace('http', 'ws')}/graphql`,
      webSocketImpl: WebSocket,
      connectionParams: { authToken: accessToken },
      retryAttempts: 0,
      lazy: false,
      on: { closed: (event) => onClosed(event as { code: number }) },
      onNonLazyError: () => undefined,
    });
    expect((await closed).code).toBe(4401);
    await client.dispose();
  } finally {
    await short.close();
  }
});

it('closes with 4401 once the session is revoked', async () => {
  const u = await signUp(t);
  await t.gql(`mutation ($r: String!) { logout(refreshToken: $r) }`, { r: u.refreshToken });
  const { client, closed } = connect({ authToken: u.accessToken });
  expect((await closed).code).toBe(4401);
  await client.dispose();
});

it('applies the same validation and masks errors as over HTTP', async () => {
  const { accessToken } = await signUp(t);
  const { client } = connect({ authToken: accessToken });
  try {
    await expect(firstResult(client, `subscription { nope }`)).rejects.toEqual([
      expect.objectContaining({ message: expect.stringMatching(/Cannot query field "nope"/) }),
    ]);
    const outOfRange = await firstResult(client, `subscription { heartbeat(seconds: 0) }`).catch((e) => e);
    const errors = outOfRange.errors ?? outOfRange;
    expect(errors[0].extensions.code).toBe('BAD_USER_INPUT');
  } finally {
    await client.dispose();
  }
});
