import type { LoaderFunctionArgs } from '@remix-run/node';
import { completeProviderFlow } from '~/lib/oauth/complete.server';

// Google sends the browser back here (GET ?code=…&state=…, or ?error=access_denied&state=…).
export const loader = ({ request }: LoaderFunctionArgs) => completeProviderFlow('google', request);
