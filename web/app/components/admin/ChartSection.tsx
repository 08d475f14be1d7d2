import type { ReactNode } from 'react';

export interface DataTable {
  /** Header of the first column (what each row is: "Week of", "Reason", …). */
  rowHeader: string;
  columns: string[];
  rows: Array<{ key: string; label: string; cells: Array<string | number> }>;
}

/**
 * One chart in a card: a heading, a line saying what it shows, the chart, and the same figures
 * as a table in a <details> — readable without the picture, by screen readers, and copyable.
 */
export function ChartSection({
  id,
  title,
  description,
  table,
  children,
  testId,
}: {
  id: string;
  title: string;
  description?: ReactNode;
  table: DataTable;
  children: ReactNode;
  testId?: string;
}) {
  const titleId = `${id}-title`;
  return (
    <section className="card admin-section" aria-labelledby={titleId} data-testid={testId}>
      <h2 id={titleId}>{title}</h2>
      {description ? <p className="muted">{description}</p> : null}
      {children}
      <details className="admin-numbers">
        <summary>The numbers behind “{title}”</summary>
        <div className="table-scroll">
          <DataTableView table={table} caption={title} />
        </div>
      </details>
    </section>
  );
}

export function DataTableView({ table, caption, testId }: { table: DataTable; caption?: string; testId?: string }) {
  return (
    <table className="admin-table" data-testid={testId}>
      {caption ? <caption className="visually-hidden">{caption}</caption> : null}
      <thead>
        <tr>
          <th scope="col">{table.rowHeader}</th>
          {table.columns.map((c) => (
            <th key={c} scope="col" className="admin-table__num">
              {c}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {table.rows.map((row) => (
          <tr key={row.key}>
            <th scope="row">{row.label}</th>
            {row.cells.map((cell, i) => (
              <td key={table.columns[i] ?? i} className="admin-table__num">
                {cell}
              </td>
            ))}
          </tr>
        ))}
      </tbody>
    </table>
  );
}
