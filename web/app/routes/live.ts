import type { LoaderFunctionArgs } from '@remix-run/node';
import { liveStream } from '~/lib/live.server';

// GET /live: the signed-in user's subscriptions and entitlements as server-sent events, relayed
// from the API's graphql-ws stream (see app/lib/live.server.ts). 401 JSON when signed out.
export function loader({ request }: LoaderFunctionArgs) {
  return liveStream(request);
}
