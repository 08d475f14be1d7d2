// Liveness of the web server itself (not of the API), for start scripts and load balancers.
export function loader() {
  return Response.json({ status: 'ok' }, { headers: { 'Cache-Control': 'no-store' } });
}
