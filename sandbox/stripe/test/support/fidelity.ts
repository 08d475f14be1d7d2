import { readFileSync } from 'node:fs';
import { join } from 'node:path';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

// Shipped in the repository (see ../../fixtures/README.md), so a clean clone can run this.
const FIXTURES = join(__dirname, '..', '..', 'fixtures', 'fixtures3.json');

export const fixtures = (JSON.parse(readFileSync(FIXTURES, 'utf8')) as { resources: Record<string, Record<string, Json>> }).resources;

/** Free-form maps (their keys are data, not schema) and fixture placeholders of another shape. */
const SKIP = new Set(['metadata', 'previous_attributes', 'payment_method_options', 'data', 'source', 'expand']);

function isObj(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/**
 * Keys the fixture has that `actual` lacks: every top-level key, and recursively the keys of nested
 * objects that both sides have as non-null objects (a null on our side is a legal value).
 */
export function missingKeys(actual: unknown, fixture: unknown, path = ''): string[] {
  if (!isObj(actual) || !isObj(fixture)) return [];
  const out: string[] = [];
  for (const [k, v] of Object.entries(fixture)) {
    const p = path ? `${path}.${k}` : k;
    if (!(k in actual)) {
      out.push(p);
      continue;
    }
    if (SKIP.has(k)) continue;
    const mine = actual[k];
    if (isObj(v) && isObj(mine) && !('object' in v && v.object === 'list')) {
      if (typeof v.object === 'string' && v.object !== mine.object) continue; // e.g. a polymorphic placeholder
      out.push(...missingKeys(mine, v, p));
    } else if (Array.isArray(v) && Array.isArray(mine) && isObj(v[0]) && isObj(mine[0])) {
      out.push(...missingKeys(mine[0], v[0], `${p}[0]`));
    } else if (isObj(v) && v.object === 'list' && isObj(mine) && Array.isArray(mine.data) && Array.isArray(v.data)) {
      for (const key of Object.keys(v)) if (!(key in mine)) out.push(`${p}.${key}`);
      if (isObj(v.data[0]) && isObj(mine.data[0])) out.push(...missingKeys(mine.data[0], v.data[0], `${p}.data[0]`));
    }
  }
  return out;
}
