import { InboxEventEntity } from '../../src/platform/inbox/inbox-event.entity';
import { startTestApi, type TestApi } from '../support/test-api';

// The inbox mechanism itself, with a handler of our own on the `app_store` source (its real
// handler arrives with the App Store issue).
let t: TestApi;
const calls: string[] = [];
let failNext = 0;
beforeAll(async () => {
  t = await startTestApi();
  t.api.inbox.register('app_store', async (event) => {
    calls.push(event.externalId);
    if (failNext > 0) {
      failNext -= 1;
      throw new Error('handler failed on purpose');
    }
  });
});
afterAll(() => t.close());
beforeEach(() => {
  calls.length = 0;
  failNext = 0;
});

const event = (externalId: string) => ({ source: 'app_store' as const, externalId, type: 'TEST', occurredAt: new Date(), payload: { n: externalId } });
const row = (externalId: string) => t.dataSource.getRepository(InboxEventEntity).findOneByOrFail({ source: 'app_store', externalId });

it('stores once and processes once, however often the event is delivered', async () => {
  expect(await t.api.inbox.receive(event('evt-dup'))).toBe('stored');
  expect(await t.api.inbox.receive(event('evt-dup'))).toBe('duplicate');
  expect(await t.api.inbox.receive(event('evt-dup'))).toBe('duplicate');
  expect(calls).toEqual(['evt-dup']);
  expect((await row('evt-dup')).processedAt).not.toBeNull();
});

it('keeps a failed event, with its error, and processes it on a later round', async () => {
  failNext = 1;
  expect(await t.api.inbox.receive(event('evt-fail'))).toBe('stored');
  const failed = await row('evt-fail');
  expect(failed).toMatchObject({ processedAt: null, attempts: 1, lastError: 'handler failed on purpose' });
  expect(failed.nextAttemptAt.getTime()).toBeGreaterThan(Date.now());

  await t.api.inbox.drain(); // not due yet: nothing happens
  expect(calls).toEqual(['evt-fail']);

  await t.dataSource.getRepository(InboxEventEntity).update(failed.id, { nextAttemptAt: new Date(Date.now() - 1000) });
  await t.api.inbox.drain();
  expect(calls).toEqual(['evt-fail', 'evt-fail']);
  expect(await row('evt-fail')).toMatchObject({ attempts: 2, lastError: null });
  expect((await row('evt-fail')).processedAt).not.toBeNull();
});

it('processes, later and exactly once, an event stored by a process that died before handling it', async () => {
  // What a crash between "insert" and "process" leaves behind: a stored, unprocessed row.
  await t.dataSource.getRepository(InboxEventEntity).insert({ ...event('evt-crash'), payload: { n: 'evt-crash' } });
  await Promise.all([t.api.inbox.drain(), t.api.inbox.drain()]);
  await t.api.inbox.drain();
  expect(calls).toEqual(['evt-crash']);
  expect((await row('evt-crash')).processedAt).not.toBeNull();
});
