// Retention analytics as pure functions over grouped session counts (the SQL groups, this adds
// up), so the arithmetic is table-tested without a database.

export type AnalyticsPeriod = 'day' | 'week' | 'month';
export type SessionStore = 'stripe' | 'app_store';

/** One group of sessions sharing every attribute below (what the SQL returns). */
export interface SessionGroup {
  periodStart: Date;
  store: SessionStore;
  reason: string | null;
  /** The offer shown (`none` or null: none). */
  offerKind: string | null;
  /** For discounts: the percentage off, to count revenue kept net of it. */
  percentOff: number | null;
  outcome: string | null;
  verdict: 'saved' | 'lost' | null;
  count: number;
  /** Sum of the sessions' monthly amounts at stake. */
  amountAtStake: number;
  currency: string;
}

export interface Totals {
  sessions: number;
  completed: number;
  abandoned: number;
  offersShown: number;
  offersAccepted: number;
  canceled: number;
  saved: number;
  pending: number;
  saveRate: number | null;
  monthlyRevenueSaved: number;
  currency: string;
}

/** Outcomes meaning the subscriber took the offer. */
export const ACCEPTED_OUTCOMES = ['saved_discount', 'saved_pause', 'saved_switch', 'contacted_support', 'app_store_offer'];

const emptyTotals = (currency: string): Totals => ({
  sessions: 0,
  completed: 0,
  abandoned: 0,
  offersShown: 0,
  offersAccepted: 0,
  canceled: 0,
  saved: 0,
  pending: 0,
  saveRate: null,
  monthlyRevenueSaved: 0,
  currency,
});

function add(t: Totals, g: SessionGroup): void {
  t.sessions += g.count;
  if (g.outcome === 'abandoned') t.abandoned += g.count;
  else if (g.outcome) t.completed += g.count;
  const shown = !!g.offerKind && g.offerKind !== 'none';
  if (shown) t.offersShown += g.count;
  if (shown && g.outcome && ACCEPTED_OUTCOMES.includes(g.outcome)) t.offersAccepted += g.count;
  if (g.verdict === 'lost') t.canceled += g.count;
  else if (g.verdict === 'saved') {
    t.saved += g.count;
    // A discount keeps the revenue net of it; a pause or a switch keeps the plan's amount.
    const net = g.outcome === 'saved_discount' && g.percentOff ? (100 - g.percentOff) / 100 : 1;
    t.monthlyRevenueSaved += Math.round(g.amountAtStake * net);
  } else t.pending += g.count;
}

function finish(t: Totals): Totals {
  const decided = t.saved + t.canceled;
  return { ...t, saveRate: decided ? t.saved / decided : null };
}

export function totalsOf(groups: readonly SessionGroup[], currency: string): Totals {
  const t = emptyTotals(currency);
  for (const g of groups) add(t, g);
  return finish(t);
}

/** UTC start of the day, ISO week (Monday) or month containing `at`. */
export function periodStartOf(at: Date, period: AnalyticsPeriod): Date {
  const d = new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), period === 'month' ? 1 : at.getUTCDate()));
  if (period === 'week') d.setUTCDate(d.getUTCDate() - ((d.getUTCDay() + 6) % 7));
  return d;
}

function nextPeriod(start: Date, period: AnalyticsPeriod): Date {
  const d = new Date(start);
  if (period === 'day') d.setUTCDate(d.getUTCDate() + 1);
  else if (period === 'week') d.setUTCDate(d.getUTCDate() + 7);
  else d.setUTCMonth(d.getUTCMonth() + 1);
  return d;
}

/** Every period between `from` and `to` (charts want the empty ones too). */
export function periodsBetween(from: Date, to: Date, period: AnalyticsPeriod): Date[] {
  const out: Date[] = [];
  for (let p = periodStartOf(from, period); p < to; p = nextPeriod(p, period)) out.push(p);
  return out;
}

export interface Report {
  totals: Totals;
  byStore: Array<{ store: SessionStore; totals: Totals }>;
  byPeriod: Array<{ periodStart: Date; totals: Totals }>;
  reasons: Array<{ reason: string; sessions: number; saved: number; canceled: number }>;
  offers: Array<{ kind: string; shown: number; accepted: number }>;
}

export function buildReport(groups: readonly SessionGroup[], range: { from: Date; to: Date; period: AnalyticsPeriod }, currency: string): Report {
  const byPeriod = periodsBetween(range.from, range.to, range.period).map((periodStart) => ({
    periodStart,
    totals: totalsOf(
      groups.filter((g) => g.periodStart.getTime() === periodStart.getTime()),
      currency,
    ),
  }));
  const stores: SessionStore[] = ['stripe', 'app_store'];
  const reasons = new Map<string, { reason: string; sessions: number; saved: number; canceled: number }>();
  const offers = new Map<string, { kind: string; shown: number; accepted: number }>();
  for (const g of groups) {
    if (g.reason) {
      const r = reasons.get(g.reason) ?? { reason: g.reason, sessions: 0, saved: 0, canceled: 0 };
      r.sessions += g.count;
      if (g.verdict === 'saved') r.saved += g.count;
      if (g.verdict === 'lost') r.canceled += g.count;
      reasons.set(g.reason, r);
    }
    if (g.offerKind && g.offerKind !== 'none') {
      const o = offers.get(g.offerKind) ?? { kind: g.offerKind, shown: 0, accepted: 0 };
      o.shown += g.count;
      if (g.outcome && ACCEPTED_OUTCOMES.includes(g.outcome)) o.accepted += g.count;
      offers.set(g.offerKind, o);
    }
  }
  return {
    totals: totalsOf(groups, currency),
    byStore: stores.map((store) => ({ store, totals: totalsOf(groups.filter((g) => g.store === store), currency) })),
    byPeriod,
    reasons: [...reasons.values()].sort((a, b) => b.sessions - a.sessions || a.reason.localeCompare(b.reason)),
    offers: [...offers.values()].sort((a, b) => b.shown - a.shown || a.kind.localeCompare(b.kind)),
  };
}
