import type { DataSource } from 'typeorm';
import { plans } from '../billing/plans';
import { AppError } from '../platform/errors';
import { buildReport, periodsBetween, type AnalyticsPeriod, type Report, type SessionGroup, type SessionStore } from './analytics';

export interface AnalyticsQuery {
  from: Date;
  to: Date;
  period: AnalyticsPeriod;
  store: SessionStore | null;
  includeTest: boolean;
}

const MAX_PERIODS = 400;

/**
 * Retention analytics for sessions started in [from, to). PostgreSQL groups the sessions by
 * period, store, reason, offer, outcome and verdict; `buildReport` adds the groups up.
 * Amounts are summed in the catalogue's currency (the catalogue sells in one).
 */
export class RetentionAnalyticsService {
  constructor(private readonly dataSource: DataSource) {}

  async report(query: AnalyticsQuery): Promise<Report & AnalyticsQuery> {
    if (!(query.from < query.to)) throw new AppError('BAD_USER_INPUT', '`from` must be before `to`.', { fields: [{ field: 'from', message: 'Before `to`.' }] });
    if (periodsBetween(query.from, query.to, query.period).length > MAX_PERIODS) {
      throw new AppError('BAD_USER_INPUT', `That range has more than ${MAX_PERIODS} periods; choose a longer period or a shorter range.`, { fields: [{ field: 'period', message: 'Too many periods.' }] });
    }
    const rows: Array<Record<string, unknown>> = await this.dataSource.query(
      `SELECT date_trunc($3, created_at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' AS period_start,
              store, reason, offer->>'kind' AS offer_kind, (offer->>'percentOff')::int AS percent_off,
              outcome, verdict, count(*)::int AS count, coalesce(sum(amount_at_stake), 0)::bigint AS amount
         FROM cancel_session
        WHERE created_at >= $1 AND created_at < $2
          AND ($4::boolean OR mode = 'live')
          AND ($5::text IS NULL OR store = $5)
        GROUP BY 1, 2, 3, 4, 5, 6, 7`,
      [query.from, query.to, query.period, query.includeTest, query.store],
    );
    const currency = plans[0]?.currency ?? 'usd';
    const groups: SessionGroup[] = rows.map((r) => ({
      periodStart: new Date(r.period_start as string),
      store: r.store as SessionStore,
      reason: (r.reason as string | null) ?? null,
      offerKind: (r.offer_kind as string | null) ?? null,
      percentOff: (r.percent_off as number | null) ?? null,
      outcome: (r.outcome as string | null) ?? null,
      verdict: (r.verdict as 'saved' | 'lost' | null) ?? null,
      count: Number(r.count),
      amountAtStake: Number(r.amount),
      currency,
    }));
    return { ...query, ...buildReport(groups, query, currency) };
  }
}
