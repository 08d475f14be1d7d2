import type { PgPubSub } from '../../platform/pubsub/pg-pubsub';

/**
 * An async iterator for a GraphQL subscription: the current value first, then a fresh value
 * after every event about the user. Bursts are coalesced (one reload for many events), and
 * the listener is removed when the client unsubscribes or disconnects.
 */
export async function* liveValue<T>(pubsub: PgPubSub, userId: string, load: () => Promise<T>): AsyncGenerator<T> {
  let pending = false;
  let wake: (() => void) | undefined;
  const unsubscribe = pubsub.onUser(userId, () => {
    pending = true;
    wake?.();
  });
  try {
    yield await load();
    for (;;) {
      if (!pending) await new Promise<void>((resolve) => (wake = resolve));
      wake = undefined;
      pending = false;
      yield await load();
    }
  } finally {
    unsubscribe();
  }
}
