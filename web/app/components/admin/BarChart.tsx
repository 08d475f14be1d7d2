import { AxisBottom, AxisLeft } from '@visx/axis';
import { GridColumns, GridRows } from '@visx/grid';
import { Group } from '@visx/group';
import { scaleBand, scaleLinear } from '@visx/scale';
import { Bar } from '@visx/shape';

// Bar charts drawn with visx: plain SVG computed from the data, so the server renders the whole
// chart (no measuring, no animation) and hydration finds exactly the same markup. A fixed
// viewBox scales with the card; colours come from the stylesheet (.admin-chart__bar--N), so
// they follow light and dark mode. The figures are also in a table beside every chart
// (ChartSection); the SVG carries a summary for screen readers and a <title> per bar.

export interface ChartSeries {
  key: string;
  label: string;
  /** Colour slot 1–4 in the stylesheet. */
  tone: 1 | 2 | 3 | 4;
}

export interface ChartCategory {
  key: string;
  label: string;
}

export interface BarChartProps {
  categories: ChartCategory[];
  series: ChartSeries[];
  /** The value of one series in one category (counts: whole numbers ≥ 0). */
  value: (categoryKey: string, seriesKey: string) => number;
  /** vertical: categories along the bottom; horizontal: categories down the left (long labels). */
  layout?: 'vertical' | 'horizontal';
  /** Stack the series in one bar per category instead of side by side. */
  stacked?: boolean;
  /** A one-sentence description of what the chart shows (aria-label of the SVG). */
  summary: string;
  testId?: string;
}

const WIDTH = 800;
const MAX_LABELS = 12;
/** At most this much room per category, so one or two categories don't make slabs. */
const MAX_STEP = { vertical: 150, horizontal: 44 } as const;

/** Whole-number ticks for counts: 0…max in at most `count` steps. */
function integerTicks(max: number, count: number): number[] {
  const top = Math.max(1, max);
  const step = Math.max(1, Math.ceil(top / count));
  const ticks = [0];
  while (ticks[ticks.length - 1]! < top) ticks.push(ticks[ticks.length - 1]! + step);
  return ticks;
}

export function BarChart({ categories, series, value, layout = 'vertical', stacked = false, summary, testId }: BarChartProps) {
  const horizontal = layout === 'horizontal';
  const height = horizontal ? Math.max(110, 40 * categories.length + 40) : 240;
  const margin = horizontal ? { top: 8, right: 16, bottom: 28, left: 140 } : { top: 12, right: 12, bottom: 36, left: 44 };
  const innerWidth = WIDTH - margin.left - margin.right;
  const innerHeight = height - margin.top - margin.bottom;

  const totals = categories.map((c) =>
    stacked ? series.reduce((sum, s) => sum + value(c.key, s.key), 0) : Math.max(0, ...series.map((s) => value(c.key, s.key))),
  );
  const ticks = integerTicks(Math.max(0, ...totals), 5);
  const top = ticks[ticks.length - 1] ?? 1;

  const length = horizontal ? innerHeight : innerWidth;
  const used = Math.min(length, Math.max(1, categories.length) * MAX_STEP[layout]);
  const start = horizontal ? 0 : (length - used) / 2;
  const band = scaleBand<string>({
    domain: categories.map((c) => c.key),
    range: [start, start + used],
    paddingInner: 0.25,
    paddingOuter: 0.1,
  });
  const inner = scaleBand<string>({ domain: series.map((s) => s.key), range: [0, band.bandwidth()], padding: 0.08 });
  const amount = scaleLinear<number>({ domain: [0, top], range: horizontal ? [0, innerWidth] : [innerHeight, 0] });

  const labelOf = new Map(categories.map((c) => [c.key, c.label]));
  // Many periods (say 90 days): label every nth so the labels never overlap.
  const every = Math.max(1, Math.ceil(categories.length / MAX_LABELS));
  const shownLabels = categories.filter((_, i) => i % every === 0).map((c) => c.key);

  const bars = categories.flatMap((c) => {
    let offset = 0;
    return series.map((s) => {
      const v = value(c.key, s.key);
      const start = stacked ? offset : 0;
      offset += v;
      const bandStart = band(c.key) ?? 0;
      const key = `${c.key}:${s.key}`;
      const title = `${c.label} — ${s.label}: ${v}`;
      const className = `admin-chart__bar admin-chart__bar--${s.tone}`;
      if (v <= 0) return null;
      if (horizontal) {
        const x = amount(start);
        const w = amount(start + v) - x;
        const y = stacked ? bandStart : bandStart + (inner(s.key) ?? 0);
        const h = stacked ? band.bandwidth() : inner.bandwidth();
        return (
          <Bar key={key} className={className} x={x} y={y} width={w} height={h}>
            <title>{title}</title>
          </Bar>
        );
      }
      const y = amount(start + v);
      const h = amount(start) - y;
      const x = stacked ? bandStart : bandStart + (inner(s.key) ?? 0);
      const w = stacked ? band.bandwidth() : inner.bandwidth();
      return (
        <Bar key={key} className={className} x={x} y={y} width={w} height={h}>
          <title>{title}</title>
        </Bar>
      );
    });
  });

  const tickLabel = { className: 'admin-chart__tick', fontSize: 12 } as const;

  return (
    <div className="admin-chart" data-testid={testId}>
      <ul className="admin-chart__legend" aria-hidden="true">
        {series.map((s) => (
          <li key={s.key}>
            <span className={`admin-chart__swatch admin-chart__bar--${s.tone}`} />
            {s.label}
          </li>
        ))}
      </ul>
      <div className="admin-chart__frame">
        <svg viewBox={`0 0 ${WIDTH} ${height}`} role="img" aria-label={summary} className="admin-chart__svg" preserveAspectRatio="xMinYMin meet">
          <Group left={margin.left} top={margin.top}>
            {horizontal ? (
              <GridColumns scale={amount} height={innerHeight} tickValues={ticks} className="admin-chart__grid" />
            ) : (
              <GridRows scale={amount} width={innerWidth} tickValues={ticks} className="admin-chart__grid" />
            )}
            {bars}
            {horizontal ? (
              <>
                <AxisLeft
                  scale={band}
                  tickFormat={(key) => labelOf.get(key) ?? key}
                  hideTicks
                  axisLineClassName="admin-chart__axis"
                  tickLabelProps={{ ...tickLabel, textAnchor: 'end', dx: -4, verticalAnchor: 'middle' }}
                />
                <AxisBottom
                  top={innerHeight}
                  scale={amount}
                  tickValues={ticks}
                  tickFormat={(n) => String(n)}
                  axisLineClassName="admin-chart__axis"
                  tickClassName="admin-chart__tick-line"
                  tickLabelProps={{ ...tickLabel, textAnchor: 'middle' }}
                />
              </>
            ) : (
              <>
                <AxisLeft
                  scale={amount}
                  tickValues={ticks}
                  tickFormat={(n) => String(n)}
                  axisLineClassName="admin-chart__axis"
                  tickClassName="admin-chart__tick-line"
                  tickLabelProps={{ ...tickLabel, textAnchor: 'end', dx: -4, verticalAnchor: 'middle' }}
                />
                <AxisBottom
                  top={innerHeight}
                  scale={band}
                  tickValues={shownLabels}
                  tickFormat={(key) => labelOf.get(key) ?? key}
                  axisLineClassName="admin-chart__axis"
                  tickClassName="admin-chart__tick-line"
                  tickLabelProps={{ ...tickLabel, textAnchor: 'middle' }}
                />
              </>
            )}
          </Group>
        </svg>
      </div>
    </div>
  );
}
