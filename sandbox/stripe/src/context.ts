/**
 * What every resource module shares: the store, the configuration, the clock, event emission
 * and rendering (refresh + `expand[]`) of stored objects.
 */
import type Stripe from 'stripe';
import { AnyObject, Store, clone } from './store';

export const API_VERSION = '2026-10-28.endive';

export interface BillingConfig {
  /** Days after the first failed renewal attempt at which payment is retried. */
  retryDays: number[];
  /** What happens to the subscription when the last retry fails. */
  afterFinalFailure: 'cancel' | 'unpaid';
}

export interface SandboxConfig {
  baseUrl: string;
  secretKey: string;
  publishableKey: string;
  billing: BillingConfig;
  log: (msg: string) => void;
}

export interface RequestInfo {
  id: string;
  idempotency_key: string | null;
}

export type Renderer = (obj: AnyObject) => AnyObject;
export type Includable = (obj: AnyObject) => unknown;

export class Ctx {
  /** The API request being handled (events it causes carry it), or null for clock-driven work. */
  request: RequestInfo | null = null;
  /** Set by the events module. */
  onEmit: (type: string, object: AnyObject, previous?: Record<string, unknown>) => void = () => {};
  private renderers: Record<string, Renderer> = {};
  private includables: Record<string, Record<string, Includable>> = {};

  constructor(
    readonly store: Store,
    readonly config: SandboxConfig,
  ) {}

  // ---- time -----------------------------------------------------------------------------

  realNow(): number {
    return Math.floor(Date.now() / 1000);
  }

  /** Current time for objects on a test clock (its frozen time), else the real time. */
  now(clock?: string | null): number {
    if (clock) {
      const c = this.store.get<Stripe.TestHelpers.TestClock>('test_helpers.test_clock', clock);
      if (c) return c.frozen_time;
    }
    return this.realNow();
  }

  clockOfCustomer(customer: string | null | undefined): string | null {
    if (!customer) return null;
    const c = this.store.get<Stripe.Customer>('customer', customer);
    const clock = c?.test_clock;
    return typeof clock === 'string' ? clock : null;
  }

  nowForCustomer(customer: string | null | undefined): number {
    return this.now(this.clockOfCustomer(customer));
  }

  // ---- events ---------------------------------------------------------------------------

  emit(type: string, object: object, previous?: Record<string, unknown>): void {
    this.onEmit(type, this.render(object as AnyObject), previous);
  }

  // ---- rendering ------------------------------------------------------------------------

  registerRenderer(kind: string, fn: Renderer): void {
    this.renderers[kind] = fn;
  }

  registerIncludable(kind: string, field: string, fn: Includable): void {
    (this.includables[kind] ??= {})[field] = fn;
  }

  /** A fresh copy of a stored object as the API returns it, with `expand` paths applied. */
  render<T = AnyObject>(obj: AnyObject | object, expand: string[] = []): T {
    const o = obj as AnyObject;
    const fn = this.renderers[o.object];
    let out = clone(o);
    if (fn) out = fn(out);
    for (const path of expand) this.expandPath(out, path.split('.'));
    return out as unknown as T;
  }

  /** Renders each item of a list; `expand[]=data.x` expands `x` on every item. */
  renderList<L extends { data: object[] }>(list: L, expand: string[] = []): L {
    const inner = expand.filter((e) => e.startsWith('data.')).map((e) => e.slice(5));
    return { ...list, data: list.data.map((o) => this.render(o, inner)) };
  }

  resolve(id: string): AnyObject | undefined {
    const o = this.store.raw(id);
    return o ? this.render(o) : undefined;
  }

  private expandPath(node: unknown, path: string[]): void {
    if (node === null || typeof node !== 'object' || path.length === 0) return;
    if (Array.isArray(node)) {
      for (const el of node) this.expandPath(el, path);
      return;
    }
    const o = node as AnyObject;
    const [head, ...rest] = path as [string, ...string[]];
    let v = o[head];
    if (typeof v === 'string' && head !== 'id' && head !== 'object') {
      const r = this.resolve(v);
      if (r) o[head] = v = r;
    } else if (v === undefined && o.object) {
      const inc = this.includables[o.object]?.[head];
      if (inc) o[head] = v = inc(o);
    } else if (Array.isArray(v)) {
      o[head] = v = v.map((el: unknown) => (typeof el === 'string' ? (this.resolve(el) ?? el) : el));
    }
    if (rest.length) this.expandPath(v, rest);
  }
}
