/**
 * Test clocks (`/v1/test_helpers/test_clocks`). Advancing runs every renewal, retry, expiry and
 * cancellation due up to the new time, in time order, before the response is sent. The response
 * says `status: 'advancing'` as Stripe's does; retrieving the clock afterwards says `ready`.
 */
import type Stripe from 'stripe';
import { runDue } from './billing-cycle';
import { Ctx } from './context';
import { ApiError } from './errors';
import { int, required, str } from './form';
import { Api } from './http';
import { newId } from './ids';
import { clone, paginate } from './store';

type Clock = Stripe.TestHelpers.TestClock;

export function advanceClock(ctx: Ctx, clock: Clock, target: number): Clock {
  if (target <= clock.frozen_time) {
    throw ApiError.invalid('The frozen_time must be after the current frozen_time of the test clock.', 'frozen_time');
  }
  clock.status = 'advancing';
  clock.status_details = { advancing: { target_frozen_time: target } };
  ctx.store.put(clock);
  ctx.emit('test_helpers.test_clock.advancing', clock);
  const snapshot = clone(clock);
  snapshot.frozen_time = target;
  const request = ctx.request;
  ctx.request = null; // what the clock causes is not part of the request
  try {
    runDue(ctx, clock.id, target);
  } finally {
    ctx.request = request;
  }
  clock.frozen_time = target;
  clock.status = 'ready';
  clock.status_details = {};
  ctx.store.put(clock);
  ctx.emit('test_helpers.test_clock.ready', clock);
  return snapshot;
}

export function registerTestClocks(api: Api, ctx: Ctx): void {
  api.post('/v1/test_helpers/test_clocks', ({ params }) => {
    const frozen = required(int(params.frozen_time, 'frozen_time'), 'frozen_time');
    const clock: Clock = {
      id: newId('clock'),
      object: 'test_helpers.test_clock',
      created: ctx.realNow(),
      deletes_after: ctx.realNow() + 30 * 86400,
      frozen_time: frozen,
      livemode: false,
      name: str(params.name, 'name') ?? null,
      status: 'ready',
      status_details: {},
    };
    ctx.store.put(clock);
    ctx.emit('test_helpers.test_clock.created', clock);
    return clock;
  });
  api.get('/v1/test_helpers/test_clocks/:id', ({ path }) => ctx.store.must('test_helpers.test_clock', path.id as string, 'test_clock'));
  api.get('/v1/test_helpers/test_clocks', ({ params }) =>
    paginate(ctx.store.all<Clock>('test_helpers.test_clock'), params, '/v1/test_helpers/test_clocks'),
  );
  api.post('/v1/test_helpers/test_clocks/:id/advance', ({ path, params }) => {
    const clock = ctx.store.must<Clock>('test_helpers.test_clock', path.id as string, 'test_clock');
    return advanceClock(ctx, clock, required(int(params.frozen_time, 'frozen_time'), 'frozen_time'));
  });
  api.del('/v1/test_helpers/test_clocks/:id', ({ path }) => {
    const clock = ctx.store.must<Clock>('test_helpers.test_clock', path.id as string, 'test_clock');
    ctx.store.remove(clock.id);
    ctx.emit('test_helpers.test_clock.deleted', clock);
    return { id: clock.id, object: 'test_helpers.test_clock', deleted: true };
  });
}
