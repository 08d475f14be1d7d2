/**
 * Events (stored, listable) and webhook endpoints with signed delivery: `Stripe-Signature:
 * t=…,v1=HMAC-SHA256(secret, "t.payload")`. Each endpoint gets its events in creation order; a
 * failed delivery (non-2xx or network error) is retried after base·2ⁿ ms without holding up the
 * events behind it, up to `maxAttempts` attempts.
 */
import { createHmac } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import type Stripe from 'stripe';
import { API_VERSION, Ctx } from './context';
import { bool, mergeMetadata, required, str, strArr } from './form';
import { Api } from './http';
import { newId } from './ids';
import { AnyObject, matchesCreated, paginate } from './store';

export interface SandboxEvent {
  id: string;
  object: 'event';
  api_version: string;
  created: number;
  data: { object: AnyObject; previous_attributes?: Record<string, unknown> };
  livemode: false;
  pending_webhooks: number;
  request: { id: string | null; idempotency_key: string | null };
  type: string;
}

interface Job {
  endpoint: string;
  event: string;
  attempt: number;
}

export function signatureHeader(payload: string, secret: string, t = Math.floor(Date.now() / 1000)): string {
  const v1 = createHmac('sha256', secret).update(`${t}.${payload}`, 'utf8').digest('hex');
  return `t=${t},v1=${v1}`;
}

export class Webhooks {
  private queues = new Map<string, Job[]>();
  private running = new Set<string>();
  private timers = new Set<NodeJS.Timeout>();
  private outstanding = 0;
  private waiters: Array<() => void> = [];
  private closed = false;

  constructor(
    private readonly ctx: Ctx,
    private readonly retryBaseMs: number,
    private readonly maxAttempts: number,
  ) {
    ctx.onEmit = (type, object, previous) => this.emit(type, object, previous);
  }

  private endpoints(): Stripe.WebhookEndpoint[] {
    return this.ctx.store.all<Stripe.WebhookEndpoint>('webhook_endpoint').reverse();
  }

  addEndpoint(url: string, secret: string, o: { enabledEvents?: string[]; description?: string | null } = {}): Stripe.WebhookEndpoint {
    const ep: Stripe.WebhookEndpoint = {
      id: newId('we'),
      object: 'webhook_endpoint',
      api_version: API_VERSION,
      application: null,
      created: this.ctx.realNow(),
      description: o.description ?? null,
      enabled_events: o.enabledEvents ?? ['*'],
      livemode: false,
      metadata: {},
      status: 'enabled',
      url,
    };
    this.ctx.store.put(ep);
    this.ctx.store.meta<{ secret: string }>(ep.id).secret = secret;
    return ep;
  }

  emit(type: string, object: AnyObject, previous?: Record<string, unknown>): void {
    const targets = this.endpoints().filter(
      (ep) => ep.status === 'enabled' && (ep.enabled_events.includes('*') || ep.enabled_events.includes(type)),
    );
    const event: SandboxEvent = {
      id: newId('evt'),
      object: 'event',
      api_version: API_VERSION,
      created: this.ctx.realNow(),
      data: previous ? { object, previous_attributes: previous } : { object },
      livemode: false,
      pending_webhooks: targets.length,
      request: this.ctx.request ? { ...this.ctx.request } : { id: null, idempotency_key: null },
      type,
    };
    this.ctx.store.put(event);
    this.ctx.config.log(`event ${event.id} ${type}`);
    for (const ep of targets) this.enqueue({ endpoint: ep.id, event: event.id, attempt: 1 });
  }

  private enqueue(job: Job): void {
    if (this.closed) return;
    this.outstanding++;
    const q = this.queues.get(job.endpoint) ?? [];
    q.push(job);
    this.queues.set(job.endpoint, q);
    void this.pump(job.endpoint);
  }

  private async pump(endpoint: string): Promise<void> {
    if (this.running.has(endpoint)) return;
    this.running.add(endpoint);
    try {
      const q = this.queues.get(endpoint) ?? [];
      while (q.length && !this.closed) {
        const job = q.shift() as Job;
        await this.attempt(job);
        this.done();
      }
    } finally {
      this.running.delete(endpoint);
    }
  }

  private async attempt(job: Job): Promise<void> {
    const ep = this.ctx.store.get<Stripe.WebhookEndpoint>('webhook_endpoint', job.endpoint);
    const event = this.ctx.store.get<SandboxEvent>('event', job.event);
    if (!ep || !event) return;
    const secret = this.ctx.store.meta<{ secret: string }>(ep.id).secret ?? '';
    const payload = JSON.stringify(event, null, 2);
    let status = 0;
    try {
      status = await post(ep.url, payload, signatureHeader(payload, secret));
    } catch (err) {
      this.ctx.config.log(`webhook ${event.type} → ${ep.url} failed: ${(err as Error).message}`);
    }
    if (status >= 200 && status < 300) {
      event.pending_webhooks = Math.max(0, event.pending_webhooks - 1);
      this.ctx.store.put(event);
      this.ctx.config.log(`webhook ${event.type} (${event.id}) → ${ep.url}: ${status}`);
      return;
    }
    if (job.attempt >= this.maxAttempts || this.closed) {
      this.ctx.config.log(`webhook ${event.id} → ${ep.url}: giving up after ${job.attempt} attempts`);
      return;
    }
    const delay = this.retryBaseMs * 2 ** (job.attempt - 1);
    this.ctx.config.log(`webhook ${event.type} (${event.id}) → ${ep.url}: ${status || 'error'}, retrying in ${delay} ms`);
    this.outstanding++;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      this.enqueue({ ...job, attempt: job.attempt + 1 });
      this.done();
    }, delay);
    this.timers.add(timer);
  }

  private done(): void {
    this.outstanding--;
    if (this.outstanding === 0) for (const w of this.waiters.splice(0)) w();
  }

  idle(): Promise<void> {
    if (this.outstanding === 0) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  close(): void {
    this.closed = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.queues.clear();
    this.outstanding = 0;
    for (const w of this.waiters.splice(0)) w();
  }
}

function post(url: string, payload: string, signature: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const req = (u.protocol === 'https:' ? https : http).request(
      u,
      {
        method: 'POST',
        agent: false,
        timeout: 10000,
        headers: {
          'Content-Type': 'application/json; charset=utf-8',
          'Content-Length': Buffer.byteLength(payload),
          'User-Agent': 'Stripe/1.0 (+https://stripe.com/docs/webhooks)',
          'Stripe-Signature': signature,
        },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end(payload);
  });
}

export function registerEventsWebhooks(api: Api, ctx: Ctx, hooks: Webhooks): void {
  api.get('/v1/events/:id', ({ path }) => ctx.store.must('event', path.id as string, 'event'));
  api.get('/v1/events', ({ params }) => {
    const type = str(params.type, 'type');
    const types = strArr(params.types, 'types');
    const match = (t: string, pattern: string) => (pattern.endsWith('*') ? t.startsWith(pattern.slice(0, -1)) : t === pattern);
    const items = ctx.store
      .all<SandboxEvent>('event')
      .filter(
        (e) =>
          (!type || match(e.type, type)) &&
          (!types || types.some((t) => match(e.type, t))) &&
          matchesCreated(e.created, params.created) &&
          (bool(params.delivery_success) === undefined || (e.pending_webhooks === 0) === bool(params.delivery_success)),
      );
    return paginate(items, params, '/v1/events');
  });

  api.post('/v1/webhook_endpoints', ({ params }) => {
    const url = required(str(params.url, 'url'), 'url');
    const enabled = required(strArr(params.enabled_events, 'enabled_events'), 'enabled_events');
    const secret = newId('whsec');
    const ep = hooks.addEndpoint(url, secret, { enabledEvents: enabled, description: str(params.description) ?? null });
    ep.metadata = mergeMetadata({}, params.metadata);
    ctx.store.put(ep);
    return { ...ctx.render<Stripe.WebhookEndpoint>(ep), secret };
  });
  api.get('/v1/webhook_endpoints/:id', ({ path }) => ctx.render(ctx.store.must('webhook_endpoint', path.id as string, 'webhook endpoint')));
  api.post('/v1/webhook_endpoints/:id', ({ path, params }) => {
    const ep = ctx.store.must<Stripe.WebhookEndpoint>('webhook_endpoint', path.id as string, 'webhook endpoint');
    ep.url = str(params.url, 'url') ?? ep.url;
    ep.enabled_events = strArr(params.enabled_events, 'enabled_events') ?? ep.enabled_events;
    const disabled = bool(params.disabled, 'disabled');
    if (disabled !== undefined) ep.status = disabled ? 'disabled' : 'enabled';
    const desc = str(params.description);
    if (desc !== undefined) ep.description = desc || null;
    ep.metadata = mergeMetadata(ep.metadata, params.metadata);
    ctx.store.put(ep);
    return ctx.render(ep);
  });
  api.del('/v1/webhook_endpoints/:id', ({ path }) => {
    const ep = ctx.store.must<Stripe.WebhookEndpoint>('webhook_endpoint', path.id as string, 'webhook endpoint');
    ctx.store.remove(ep.id);
    return { id: ep.id, object: 'webhook_endpoint', deleted: true };
  });
  api.get('/v1/webhook_endpoints', ({ params }) => paginate(ctx.store.all<Stripe.WebhookEndpoint>('webhook_endpoint'), params, '/v1/webhook_endpoints'));
}
