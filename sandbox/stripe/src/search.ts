/**
 * A subset of Stripe's search query language: clauses `field:'value'`, `field~'substring'`,
 * `metadata['key']:'value'`, and `-field:'value'` joined by AND (OR is accepted too, but not mixed).
 */
import { ApiError } from './errors';
import { FormObject, int, str } from './form';
import { AnyObject } from './store';

interface Clause {
  negate: boolean;
  path: string[];
  op: ':' | '~' | '>' | '<' | '>=' | '<=';
  value: string;
}

function parse(query: string): { clauses: Clause[]; or: boolean } {
  const re = /(-)?(metadata\[['"]([^'"]+)['"]\]|[a-z_.]+)\s*(:|~|>=|<=|>|<)\s*(?:'([^']*)'|"([^"]*)"|(\S+))/g;
  const clauses: Clause[] = [];
  let m: RegExpExecArray | null;
  while ((m = re.exec(query)) !== null) {
    const path = m[3] !== undefined ? ['metadata', m[3]] : (m[2] ?? '').split('.');
    clauses.push({
      negate: m[1] === '-',
      path,
      op: m[4] as Clause['op'],
      value: m[5] ?? m[6] ?? m[7] ?? '',
    });
  }
  if (clauses.length === 0) throw ApiError.invalid(`We were unable to parse the search query: ${query}`, 'query');
  return { clauses, or: / OR /.test(query) };
}

function test(o: AnyObject, c: Clause): boolean {
  let v: unknown = o;
  for (const p of c.path) v = v && typeof v === 'object' ? (v as Record<string, unknown>)[p] : undefined;
  let ok: boolean;
  if (c.op === ':') ok = v !== undefined && v !== null && String(v) === c.value;
  else if (c.op === '~') ok = typeof v === 'string' && v.toLowerCase().includes(c.value.toLowerCase());
  else {
    const n = Number(v);
    const w = Number(c.value);
    ok = c.op === '>' ? n > w : c.op === '<' ? n < w : c.op === '>=' ? n >= w : n <= w;
  }
  return c.negate ? !ok : ok;
}

export function search<T extends AnyObject>(items: T[], params: FormObject, url: string) {
  const query = str(params.query, 'query');
  if (!query) throw ApiError.invalid('Missing required param: query.', 'query', 'parameter_missing');
  const { clauses, or } = parse(query);
  const matched = items.filter((o) => (or ? clauses.some((c) => test(o, c)) : clauses.every((c) => test(o, c))));
  const limit = int(params.limit, 'limit') ?? 10;
  const page = Number(str(params.page, 'page') ?? '0') || 0;
  const data = matched.slice(page, page + limit);
  const hasMore = matched.length > page + limit;
  return {
    object: 'search_result' as const,
    data,
    has_more: hasMore,
    next_page: hasMore ? String(page + limit) : null,
    url,
  };
}
