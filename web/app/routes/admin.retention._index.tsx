import { data, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node';
import { Form, Link, useLoaderData, useNavigation } from '@remix-run/react';
import { adminGql } from '~/components/admin/admin.server';
import { ANALYTICS_STORES, defaultRange, filtersSearch, parseFilters, type FilterValues } from '~/components/admin/analytics-filters';
import { BarChart } from '~/components/admin/BarChart';
import { ChartSection, DataTableView, type DataTable } from '~/components/admin/ChartSection';
import { formatPercent, OFFER_KIND_NAMES, PERIOD_NAMES, PERIODS, REASON_NAMES } from '~/components/admin/retention-words';
import { Field } from '~/components/Field';
import { Notice } from '~/components/Notice';
import {
  AdminRetentionAnalyticsDocument,
  type AdminRetentionAnalyticsQuery,
  type AdminRetentionTotalsFieldsFragment,
  type AnalyticsPeriod,
} from '~/graphql/generated';
import { requireUser } from '~/lib/auth.server';
import { storeName } from '~/lib/billing';
import { isApiError } from '~/lib/graphql.server';
import { formatMoney } from '~/lib/money';

// /admin/retention: how the cancel flow did over a period — headline figures, then charts (each
// with its numbers in a table). The filters are a GET form: the URL is the report.

export const meta: MetaFunction = () => [{ title: 'Retention analytics · Admin · Crossbill' }, { name: 'robots', content: 'noindex' }];

type Analytics = AdminRetentionAnalyticsQuery['retentionAnalytics'];
type Totals = AdminRetentionTotalsFieldsFragment;

const dayMonth = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'short', timeZone: 'UTC' });
const monthYear = new Intl.DateTimeFormat('en-GB', { month: 'short', year: 'numeric', timeZone: 'UTC' });
const fullDay = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'short', year: 'numeric', timeZone: 'UTC' });

/** Short label for the chart, long one for the table (formatted here, on the server, so hydration matches). */
function periodLabels(iso: string, period: AnalyticsPeriod): { short: string; long: string } {
  const date = new Date(iso);
  if (period === 'MONTH') return { short: monthYear.format(date), long: monthYear.format(date) };
  return { short: dayMonth.format(date), long: period === 'WEEK' ? `Week of ${fullDay.format(date)}` : fullDay.format(date) };
}

export async function loader({ request }: LoaderFunctionArgs) {
  const filters = parseFilters(new URL(request.url).searchParams);
  const auth = await requireUser(request);
  let analytics: Analytics | null = null;
  let problem: string | null = null;
  if (filters.query) {
    try {
      analytics = (await adminGql(request, auth, AdminRetentionAnalyticsDocument, filters.query)).retentionAnalytics;
    } catch (error) {
      if (!isApiError(error, 'BAD_USER_INPUT')) throw error;
      problem = error.message;
    }
  }
  const range = filters.query
    ? `${fullDay.format(new Date(filters.query.from))} – ${fullDay.format(new Date(new Date(filters.query.to).getTime() - 1))}`
    : null;
  // Computed here, with the server's clock, so the page hydrates with the same links.
  const presets = [30, 90, 365].map((days) => ({ days, search: filtersSearch({ ...filters.values, ...defaultRange(new Date(), days) }) }));
  return data(
    {
      filters,
      presets,
      problem,
      range,
      analytics,
      periods: analytics?.byPeriod.map((p) => ({ ...p, labels: periodLabels(p.periodStart, analytics!.period) })) ?? [],
    },
    { headers: auth.headers },
  );
}

export default function RetentionAnalyticsPage() {
  const { filters, presets, problem, analytics, periods, range } = useLoaderData<typeof loader>();
  const { values, fieldErrors } = filters;
  return (
    <div className="stack">
      <div>
        <h1 id="analytics-title">Retention analytics</h1>
        <p className="lead">How the cancel flow did for the flows started in a period.</p>
      </div>
      <FilterForm values={values} fieldErrors={fieldErrors} presets={presets} />
      {problem ? <Notice kind="error">{problem}</Notice> : null}
      {analytics && range ? (
        analytics.totals.sessions === 0 ? (
          <section className="card admin-empty" data-testid="analytics-empty" aria-labelledby="empty-title">
            <h2 id="empty-title">No cancel flows in this period</h2>
            <p className="muted">
              Nobody started the cancel flow between {range}
              {values.store ? ` in the ${storeName(values.store)} store` : ''}
              {values.includeTest ? '' : ' (test sessions left out)'}. Try a longer period
              {values.includeTest ? '' : ', or include test sessions'}.
            </p>
          </section>
        ) : (
          <Report analytics={analytics} periods={periods} range={range} values={values} />
        )
      ) : null}
    </div>
  );
}

function FilterForm({
  values,
  fieldErrors,
  presets,
}: {
  values: FilterValues;
  fieldErrors: Partial<Record<'from' | 'to', string>>;
  presets: Array<{ days: number; search: string }>;
}) {
  const navigation = useNavigation();
  const loading = navigation.state === 'loading' && navigation.location?.pathname === '/admin/retention';
  return (
    <section className="card" aria-labelledby="filters-title">
      <h2 id="filters-title" className="visually-hidden">
        Filters
      </h2>
      {/* A GET form: the filters are the URL, so a report can be bookmarked and shared. */}
      <Form method="get" className="admin-filters" data-testid="analytics-filters" aria-busy={loading || undefined}>
        <Field label="From" name="from" type="date" defaultValue={values.from} error={fieldErrors.from} required />
        <Field label="To" name="to" type="date" defaultValue={values.to} error={fieldErrors.to} required />
        <div className="field select-field">
          <label htmlFor="period">Group by</label>
          <select id="period" name="period" defaultValue={values.period}>
            {PERIODS.map((p) => (
              <option key={p} value={p}>
                {PERIOD_NAMES[p]}
              </option>
            ))}
          </select>
        </div>
        <div className="field select-field">
          <label htmlFor="store">Store</label>
          <select id="store" name="store" defaultValue={values.store}>
            <option value="">All stores</option>
            {ANALYTICS_STORES.map((s) => (
              <option key={s} value={s}>
                {storeName(s)}
              </option>
            ))}
          </select>
        </div>
        <label className="admin-check">
          <input type="checkbox" name="includeTest" value="1" defaultChecked={values.includeTest} />
          Include test sessions
        </label>
        <button type="submit" className="button button--primary">
          Show
        </button>
      </Form>
      <p className="admin-presets muted">
        Quick ranges:{' '}
        {presets.map((p, i) => (
          <span key={p.days}>
            {i > 0 ? ' · ' : null}
            <Link to={p.search}>last {p.days} days</Link>
          </span>
        ))}
      </p>
    </section>
  );
}

type PeriodRow = Analytics['byPeriod'][number] & { labels: { short: string; long: string } };

function Report({ analytics, periods, range, values }: { analytics: Analytics; periods: PeriodRow[]; range: string; values: FilterValues }) {
  const { totals } = analytics;
  const periodName = PERIOD_NAMES[analytics.period].toLowerCase();
  const money = (amount: number) => formatMoney(amount, totals.currency);
  const byPeriod = new Map(periods.map((p) => [p.periodStart, p.totals]));
  const reasons = [...analytics.reasons].filter((r) => r.sessions > 0).sort((a, b) => b.sessions - a.sessions);
  const reasonByKey = new Map(reasons.map((r) => [r.reason as string, r]));
  const offers = analytics.offers.filter((o) => o.kind !== 'NONE');
  const offerByKey = new Map(offers.map((o) => [o.kind as string, o]));

  const periodTable: DataTable = {
    rowHeader: PERIOD_NAMES[analytics.period],
    columns: ['Sessions', 'Offers accepted', 'Saved', 'Canceled', 'Pending', 'Save rate'],
    rows: periods.map((p) => ({
      key: p.periodStart,
      label: p.labels.long,
      cells: [p.totals.sessions, p.totals.offersAccepted, p.totals.saved, p.totals.canceled, p.totals.pending, formatPercent(p.totals.saveRate)],
    })),
  };
  const reasonTable: DataTable = {
    rowHeader: 'Reason',
    columns: ['Sessions', 'Saved', 'Canceled', 'Save rate'],
    rows: reasons.map((r) => ({
      key: r.reason,
      label: REASON_NAMES[r.reason],
      cells: [r.sessions, r.saved, r.canceled, formatPercent(r.saved + r.canceled > 0 ? r.saved / (r.saved + r.canceled) : null)],
    })),
  };
  const offerTable: DataTable = {
    rowHeader: 'Offer',
    columns: ['Shown', 'Accepted', 'Accepted of shown'],
    rows: offers.map((o) => ({
      key: o.kind,
      label: OFFER_KIND_NAMES[o.kind],
      cells: [o.shown, o.accepted, formatPercent(o.shown > 0 ? o.accepted / o.shown : null)],
    })),
  };
  const storeTable: DataTable = {
    rowHeader: 'Store',
    columns: ['Sessions', 'Offers accepted', 'Saved', 'Canceled', 'Pending', 'Save rate', 'Revenue saved / month'],
    rows: analytics.byStore.map((s) => ({
      key: s.store,
      label: storeName(s.store),
      cells: [
        s.totals.sessions,
        s.totals.offersAccepted,
        s.totals.saved,
        s.totals.canceled,
        s.totals.pending,
        formatPercent(s.totals.saveRate),
        formatMoney(s.totals.monthlyRevenueSaved, s.totals.currency),
      ],
    })),
  };

  return (
    <>
      <section className="card" aria-labelledby="totals-title" data-testid="analytics-report">
        <h2 id="totals-title">In total</h2>
        <p className="muted" data-testid="analytics-range">
          {range}, by {periodName}, {values.store ? storeName(values.store) : 'all stores'}
          {values.includeTest ? ', test sessions included' : ''}.
        </p>
        <Headline totals={totals} money={money} />
        <p className="field-hint">
          A session counts as saved when 30 days pass without a cancellation in the store, and as canceled when one happens
          within those 30 days; until then it is pending. Save rate = saved ÷ (saved + canceled).
        </p>
      </section>

      <ChartSection
        id="chart-periods"
        testId="chart-periods"
        title={`Sessions and saves by ${periodName}`}
        description="Cancel flows started in each period, and how many of them were saved or canceled so far."
        table={periodTable}
      >
        <BarChart
          summary={`Bar chart of sessions, saved and canceled by ${periodName}, ${range}. The numbers are in the table below.`}
          categories={periods.map((p) => ({ key: p.periodStart, label: p.labels.short }))}
          series={[
            { key: 'sessions', label: 'Sessions', tone: 1 },
            { key: 'saved', label: 'Saved', tone: 2 },
            { key: 'canceled', label: 'Canceled', tone: 3 },
          ]}
          value={(period, series) => {
            const t = byPeriod.get(period);
            return t ? (t[series as 'sessions' | 'saved' | 'canceled'] ?? 0) : 0;
          }}
        />
      </ChartSection>

      <ChartSection
        id="chart-reasons"
        testId="chart-reasons"
        title="Why people leave"
        description="The reason picked in each session, split by what happened since."
        table={reasonTable}
      >
        {reasons.length > 0 ? (
          <BarChart
            layout="horizontal"
            stacked
            summary="Stacked bar chart of sessions by reason: saved, canceled and not decided yet. The numbers are in the table below."
            categories={reasons.map((r) => ({ key: r.reason, label: REASON_NAMES[r.reason] }))}
            series={[
              { key: 'saved', label: 'Saved', tone: 2 },
              { key: 'canceled', label: 'Canceled', tone: 3 },
              { key: 'open', label: 'Pending or abandoned', tone: 4 },
            ]}
            value={(reason, series) => {
              const r = reasonByKey.get(reason);
              if (!r) return 0;
              if (series === 'open') return Math.max(0, r.sessions - r.saved - r.canceled);
              return series === 'saved' ? r.saved : r.canceled;
            }}
          />
        ) : (
          <p className="muted">No session got as far as picking a reason.</p>
        )}
      </ChartSection>

      <ChartSection
        id="chart-offers"
        testId="chart-offers"
        title="Offers shown and accepted"
        description="How often each kind of offer was shown, and how often it was taken."
        table={offerTable}
      >
        {offers.some((o) => o.shown > 0) ? (
          <BarChart
            summary="Bar chart of offers shown and accepted by kind of offer. The numbers are in the table below."
            categories={offers.map((o) => ({ key: o.kind, label: OFFER_KIND_NAMES[o.kind] }))}
            series={[
              { key: 'shown', label: 'Shown', tone: 1 },
              { key: 'accepted', label: 'Accepted', tone: 2 },
            ]}
            value={(kind, series) => {
              const o = offerByKey.get(kind);
              return o ? (series === 'shown' ? o.shown : o.accepted) : 0;
            }}
          />
        ) : (
          <p className="muted">No offer was shown in this period.</p>
        )}
      </ChartSection>

      <section className="card admin-section" aria-labelledby="stores-title" data-testid="analytics-stores">
        <h2 id="stores-title">By store</h2>
        <div className="table-scroll">
          <DataTableView table={storeTable} caption="Sessions and outcomes by store" />
        </div>
      </section>
    </>
  );
}

function Headline({ totals, money }: { totals: Totals; money: (amount: number) => string }) {
  const stats: Array<{ id: string; label: string; value: string; raw: number | null; hint?: string }> = [
    { id: 'sessions', label: 'Sessions', value: String(totals.sessions), raw: totals.sessions, hint: `${totals.completed} completed, ${totals.abandoned} abandoned` },
    { id: 'save-rate', label: 'Save rate', value: formatPercent(totals.saveRate), raw: totals.saveRate },
    { id: 'saved', label: 'Saved', value: String(totals.saved), raw: totals.saved },
    { id: 'canceled', label: 'Canceled', value: String(totals.canceled), raw: totals.canceled },
    { id: 'pending', label: 'Pending', value: String(totals.pending), raw: totals.pending, hint: 'younger than 30 days' },
    { id: 'revenue', label: 'Revenue saved', value: money(totals.monthlyRevenueSaved), raw: totals.monthlyRevenueSaved, hint: 'per month, from saved sessions' },
    {
      id: 'offers-accepted',
      label: 'Offers accepted',
      value: `${totals.offersAccepted} of ${totals.offersShown}`,
      raw: totals.offersAccepted,
      hint: totals.offersShown > 0 ? `${formatPercent(totals.offersAccepted / totals.offersShown)} of offers shown` : 'no offer shown',
    },
  ];
  return (
    <dl className="admin-stats">
      {stats.map((s) => (
        <div key={s.id} className="admin-stat">
          <dt>{s.label}</dt>
          <dd data-testid={`stat-${s.id}`} data-value={s.raw ?? ''}>
            {s.value}
          </dd>
          {s.hint ? <dd className="admin-stat__hint">{s.hint}</dd> : null}
        </div>
      ))}
    </dl>
  );
}
