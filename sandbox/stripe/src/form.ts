/**
 * Stripe's request encoding: `application/x-www-form-urlencoded` with nested keys written as
 * `a[b][c]=v` and arrays as `a[0]=v` (stripe-node's own stringifier). Query strings of GET and
 * DELETE requests use the same encoding. Values stay strings; the helpers below coerce them.
 */
import { ApiError } from './errors';

export type FormValue = string | FormObject | FormValue[];
export interface FormObject {
  [key: string]: FormValue | undefined;
}

function splitKey(key: string): string[] {
  const first = key.indexOf('[');
  if (first < 0) return [key];
  const parts = [key.slice(0, first)];
  const re = /\[([^\]]*)\]/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(key.slice(first))) !== null) parts.push(m[1] ?? '');
  return parts;
}

/** Turns objects whose keys are all 0..n-1 into arrays, recursively. */
function arrayify(value: FormValue): FormValue {
  if (typeof value === 'string' || Array.isArray(value)) return value;
  const keys = Object.keys(value);
  for (const k of keys) value[k] = arrayify(value[k] as FormValue);
  if (keys.length > 0 && keys.every((k) => /^\d+$/.test(k))) {
    return keys
      .map(Number)
      .sort((a, b) => a - b)
      .map((i) => value[String(i)] as FormValue);
  }
  return value;
}

export function parseForm(body: string): FormObject {
  const root: FormObject = {};
  if (!body) return root;
  for (const pair of body.split('&')) {
    if (!pair) continue;
    const eq = pair.indexOf('=');
    const rawKey = eq < 0 ? pair : pair.slice(0, eq);
    const rawValue = eq < 0 ? '' : pair.slice(eq + 1);
    const key = decodeURIComponent(rawKey.replace(/\+/g, ' '));
    const value = decodeURIComponent(rawValue.replace(/\+/g, ' '));
    const parts = splitKey(key);
    let node: FormObject = root;
    for (let i = 0; i < parts.length; i++) {
      let part = parts[i] as string;
      const last = i === parts.length - 1;
      if (part === '') part = String(Object.keys(node).length); // `a[]=x` form
      if (last) {
        node[part] = value;
      } else {
        const next = node[part];
        if (next === undefined || typeof next === 'string' || Array.isArray(next)) {
          const created: FormObject = {};
          node[part] = created;
          node = created;
        } else {
          node = next;
        }
      }
    }
  }
  return arrayify(root) as FormObject;
}

// ---- coercion helpers -------------------------------------------------------------------

export function str(v: FormValue | undefined, param?: string): string | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'string') throw ApiError.invalid(`Invalid string: ${param ?? 'value'}`, param);
  return v;
}

export function int(v: FormValue | undefined, param?: string): number | undefined {
  if (v === undefined || v === '') return undefined;
  if (typeof v !== 'string' || !/^-?\d+$/.test(v)) {
    throw ApiError.invalid(`Invalid integer: ${typeof v === 'string' ? v : param}`, param);
  }
  return Number(v);
}

export function num(v: FormValue | undefined, param?: string): number | undefined {
  if (v === undefined || v === '') return undefined;
  if (typeof v !== 'string' || Number.isNaN(Number(v))) throw ApiError.invalid(`Invalid number: ${param}`, param);
  return Number(v);
}

export function bool(v: FormValue | undefined, param?: string): boolean | undefined {
  if (v === undefined || v === '') return undefined;
  if (v === 'true') return true;
  if (v === 'false') return false;
  throw ApiError.invalid(`Invalid boolean: ${typeof v === 'string' ? v : param}`, param);
}

export function obj(v: FormValue | undefined, param?: string): FormObject | undefined {
  if (v === undefined || v === '') return undefined;
  if (typeof v === 'string' || Array.isArray(v)) throw ApiError.invalid(`Invalid hash: ${param}`, param);
  return v;
}

export function arr(v: FormValue | undefined, param?: string): FormValue[] | undefined {
  if (v === undefined || v === '') return undefined;
  if (Array.isArray(v)) return v;
  if (typeof v === 'object') return Object.values(v).filter((x): x is FormValue => x !== undefined);
  throw ApiError.invalid(`Invalid array: ${param}`, param);
}

export function strArr(v: FormValue | undefined, param?: string): string[] | undefined {
  const a = arr(v, param);
  return a?.map((x) => {
    if (typeof x !== 'string') throw ApiError.invalid(`Invalid array of strings: ${param}`, param);
    return x;
  });
}

export function required<T>(v: T | undefined, param: string): T {
  if (v === undefined) throw ApiError.invalid(`Missing required param: ${param}.`, param, 'parameter_missing');
  return v;
}

/** `metadata[k]=v` merged into an existing map; `metadata=` (empty) clears it, `metadata[k]=` removes k. */
export function mergeMetadata(current: Record<string, string>, v: FormValue | undefined): Record<string, string> {
  if (v === undefined) return current;
  if (v === '') return {};
  const o = obj(v, 'metadata') ?? {};
  const out = { ...current };
  for (const [k, val] of Object.entries(o)) {
    if (val === '' || val === undefined) delete out[k];
    else if (typeof val === 'string') out[k] = val;
    else throw ApiError.invalid('Invalid metadata value', `metadata[${k}]`);
  }
  return out;
}

/** Extracts `expand[]` (an array) from parsed params. */
export function expandParam(params: FormObject): string[] {
  return strArr(params.expand, 'expand') ?? [];
}
