import { redirect } from '@remix-run/node';

// /admin has one section so far: retention. (The layout's loader has already checked the caller.)
export const loader = () => redirect('/admin/retention');
