import { data, type HeadersFunction, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node';
import { NavLink, Outlet } from '@remix-run/react';
import { requireAdmin } from '~/components/admin/admin.server';

// The admin area's layout: only admins get past its loader (signed out → /login, anyone else →
// 404); the children check again through the API, which is what really decides.

export const meta: MetaFunction = () => [{ title: 'Admin · Crossbill' }, { name: 'robots', content: 'noindex' }];

// Business figures and one-time secrets: never cached, by the browser or anything between.
export const headers: HeadersFunction = () => ({ 'Cache-Control': 'no-store' });

export async function loader({ request }: LoaderFunctionArgs) {
  const auth = await requireAdmin(request);
  return data({ isAdmin: true as const }, { headers: auth.headers });
}

export default function AdminLayout() {
  return (
    <div className="admin">
      <nav aria-label="Admin" className="admin-nav">
        <span className="admin-nav__title">Admin</span>
        <NavLink to="/admin/retention" end>
          Retention analytics
        </NavLink>
        <NavLink to="/admin/retention/config">Cancel flow</NavLink>
        <NavLink to="/admin/retention/apps">Apps &amp; keys</NavLink>
      </nav>
      <Outlet />
    </div>
  );
}
