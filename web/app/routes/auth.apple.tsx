import { redirect, type ActionFunctionArgs } from '@remix-run/node';
import { startProviderAction } from '~/lib/oauth/start.server';

// POST only (the "Continue with Apple" and "Link Apple" forms); a GET goes to the log-in page.
export const loader = () => redirect('/login');

export const action = ({ request }: ActionFunctionArgs) => startProviderAction('apple', request);
