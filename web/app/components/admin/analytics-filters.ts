import type { AnalyticsPeriod, Store } from '~/graphql/generated';
import { isPeriod } from './retention-words';

// The analytics page's filters live in the URL (a GET form): shareable, bookmarkable, and
// working without JavaScript. Dates are whole UTC days, both ends included on the page; the
// API takes [from, to) instants, so `to` becomes the start of the next day.

export const ANALYTICS_STORES = ['STRIPE', 'APP_STORE'] as const satisfies readonly Store[];
export type AnalyticsStore = (typeof ANALYTICS_STORES)[number];

export const DEFAULT_DAYS = 90;
/** Longer ranges make the API (and the chart) work for little insight. */
export const MAX_DAYS = 366 * 3;

export interface FilterValues {
  from: string;
  to: string;
  period: AnalyticsPeriod;
  store: AnalyticsStore | '';
  includeTest: boolean;
}

export interface ParsedFilters {
  /** What the form shows (the admin's input, or the defaults). */
  values: FilterValues;
  fieldErrors: Partial<Record<'from' | 'to', string>>;
  /** What the API is asked (null when the input is wrong). */
  query: { from: string; to: string; period: AnalyticsPeriod; store: AnalyticsStore | null; includeTest: boolean } | null;
}

const DAY_MS = 86_400_000;
const isoDay = (date: Date) => date.toISOString().slice(0, 10);

/** A YYYY-MM-DD that is a real calendar day, as the UTC midnight starting it; null otherwise. */
export function parseDay(value: string): Date | null {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) return null;
  const date = new Date(`${value}T00:00:00.000Z`);
  return Number.isNaN(date.getTime()) || isoDay(date) !== value ? null : date;
}

export function defaultRange(now: Date, days = DEFAULT_DAYS): { from: string; to: string } {
  const today = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  return { from: isoDay(new Date(today - (days - 1) * DAY_MS)), to: isoDay(new Date(today)) };
}

export function parseFilters(params: URLSearchParams, now = new Date()): ParsedFilters {
  const defaults = defaultRange(now);
  const text = (name: string) => (params.get(name) ?? '').trim();
  const period = text('period').toUpperCase();
  const store = text('store').toUpperCase();
  const values: FilterValues = {
    from: text('from') || defaults.from,
    to: text('to') || defaults.to,
    period: isPeriod(period) ? period : 'WEEK',
    store: (ANALYTICS_STORES as readonly string[]).includes(store) ? (store as AnalyticsStore) : '',
    includeTest: ['1', 'on', 'true', 'yes'].includes(text('includeTest').toLowerCase()),
  };

  const fieldErrors: ParsedFilters['fieldErrors'] = {};
  const from = parseDay(values.from);
  const to = parseDay(values.to);
  if (!from) fieldErrors.from = 'Enter a date like 2026-05-01.';
  if (!to) fieldErrors.to = 'Enter a date like 2026-07-31.';
  if (from && to && from > to) fieldErrors.to = 'The end date must be on or after the start date.';
  if (from && to && !fieldErrors.to && (to.getTime() - from.getTime()) / DAY_MS + 1 > MAX_DAYS) {
    fieldErrors.to = `Choose at most ${MAX_DAYS} days.`;
  }
  if (!from || !to || Object.keys(fieldErrors).length > 0) return { values, fieldErrors, query: null };

  return {
    values,
    fieldErrors,
    query: {
      from: from.toISOString(),
      to: new Date(to.getTime() + DAY_MS).toISOString(),
      period: values.period,
      store: values.store || null,
      includeTest: values.includeTest,
    },
  };
}

/** The query string for these filters (for preset links). */
export function filtersSearch(values: FilterValues): string {
  const params = new URLSearchParams({ from: values.from, to: values.to, period: values.period });
  if (values.store) params.set('store', values.store);
  if (values.includeTest) params.set('includeTest', '1');
  return `?${params.toString()}`;
}
