/**
 * The sandbox's state: every Stripe object by id (already in its wire shape, references as ids),
 * internal bookkeeping per object (`meta`), and an insertion sequence for list ordering.
 * Persisted as one JSON file when a state file is configured.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync, existsSync } from 'node:fs';
import { dirname } from 'node:path';
import type Stripe from 'stripe';
import { ApiError } from './errors';
import { FormObject, int, str } from './form';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyObject = { id: string; object: string; created?: number; [key: string]: any };

export interface StateData {
  version: 1;
  seq: number;
  objects: Record<string, AnyObject>;
  order: Record<string, number>;
  meta: Record<string, Record<string, unknown>>;
  counters: Record<string, number>;
}

export class Store {
  data: StateData = { version: 1, seq: 0, objects: {}, order: {}, meta: {}, counters: {} };
  private saveTimer: NodeJS.Timeout | null = null;

  constructor(private readonly file?: string) {
    if (file && existsSync(file)) {
      const loaded = JSON.parse(readFileSync(file, 'utf8')) as StateData;
      if (loaded.version === 1) this.data = loaded;
    }
  }

  put<T extends { id: string; object: string }>(obj: T): T {
    if (this.data.order[obj.id] === undefined) this.data.order[obj.id] = ++this.data.seq;
    this.data.objects[obj.id] = obj as unknown as AnyObject;
    this.changed();
    return obj;
  }

  remove(id: string): void {
    delete this.data.objects[id];
    delete this.data.meta[id];
    this.changed();
  }

  raw(id: string): AnyObject | undefined {
    return this.data.objects[id];
  }

  get<T>(kind: string, id: string): T | undefined {
    const o = this.data.objects[id];
    return o && o.object === kind ? (o as unknown as T) : undefined;
  }

  /** Like get, but a 404 `resource_missing` when absent. */
  must<T>(kind: string, id: string, label = kind, param = 'id'): T {
    const o = this.get<T>(kind, id);
    if (!o) throw ApiError.missing(label, id, param);
    return o;
  }

  /** All objects of a kind, newest first (Stripe's list order). */
  all<T>(kind: string): T[] {
    return Object.values(this.data.objects)
      .filter((o) => o.object === kind)
      .sort((a, b) => (b.created ?? 0) - (a.created ?? 0) || this.order(b.id) - this.order(a.id)) as unknown as T[];
  }

  order(id: string): number {
    return this.data.order[id] ?? 0;
  }

  meta<M extends object>(id: string): Partial<M> {
    let m = this.data.meta[id];
    if (!m) {
      m = {};
      this.data.meta[id] = m;
    }
    return m as Partial<M>;
  }

  next(counter: string): number {
    const n = (this.data.counters[counter] ?? 0) + 1;
    this.data.counters[counter] = n;
    return n;
  }

  changed(): void {
    if (!this.file || this.saveTimer) return;
    this.saveTimer = setTimeout(() => {
      this.saveTimer = null;
      this.save();
    }, 250);
    this.saveTimer.unref();
  }

  save(): void {
    if (this.saveTimer) {
      clearTimeout(this.saveTimer);
      this.saveTimer = null;
    }
    if (!this.file) return;
    mkdirSync(dirname(this.file), { recursive: true });
    const tmp = `${this.file}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(this.data));
    renameSync(tmp, this.file);
  }
}

/** Stripe's decimal strings (stripe-node types them as its Decimal class, and parses them client-side). */
export function dec(s: string): Stripe.Decimal {
  return s as unknown as Stripe.Decimal;
}

export function clone<T>(v: T): T {
  return v === undefined ? v : (JSON.parse(JSON.stringify(v)) as T);
}

// ---- lists -------------------------------------------------------------------------------

export interface ListResult<T> {
  object: 'list';
  data: T[];
  has_more: boolean;
  url: string;
}

/** `limit` (1–100, default 10), `starting_after`, `ending_before` over a newest-first array. */
export function paginate<T extends { id: string }>(items: T[], params: FormObject, url: string): ListResult<T> {
  const limit = int(params.limit, 'limit') ?? 10;
  if (limit < 1 || limit > 100) throw ApiError.invalid('Invalid integer: limit must be between 1 and 100', 'limit');
  const after = str(params.starting_after, 'starting_after');
  const before = str(params.ending_before, 'ending_before');
  let slice: T[];
  let hasMore: boolean;
  if (after) {
    const i = items.findIndex((o) => o.id === after);
    if (i < 0) throw ApiError.missing('object', after, 'starting_after');
    slice = items.slice(i + 1, i + 1 + limit);
    hasMore = items.length > i + 1 + limit;
  } else if (before) {
    const i = items.findIndex((o) => o.id === before);
    if (i < 0) throw ApiError.missing('object', before, 'ending_before');
    const start = Math.max(0, i - limit);
    slice = items.slice(start, i);
    hasMore = start > 0;
  } else {
    slice = items.slice(0, limit);
    hasMore = items.length > limit;
  }
  return { object: 'list', data: slice, has_more: hasMore, url };
}

/** `created` filter: an integer or `{ gt, gte, lt, lte }`. */
export function matchesCreated(created: number, filter: FormObject[string]): boolean {
  if (filter === undefined) return true;
  if (typeof filter === 'string') return created === Number(filter);
  if (Array.isArray(filter)) return true;
  const n = (k: string) => (typeof filter[k] === 'string' ? Number(filter[k]) : undefined);
  const gt = n('gt');
  const gte = n('gte');
  const lt = n('lt');
  const lte = n('lte');
  return (
    (gt === undefined || created > gt) &&
    (gte === undefined || created >= gte) &&
    (lt === undefined || created < lt) &&
    (lte === undefined || created <= lte)
  );
}
