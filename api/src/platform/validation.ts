import type { z } from 'zod';
import { AppError } from './errors';

/** Parses client input with a zod schema; any problem becomes BAD_USER_INPUT with per-field messages. */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const fields = result.error.issues.map((issue) => ({
    field: issue.path.map(String).join('.') || 'input',
    message: issue.message,
  }));
  throw new AppError('BAD_USER_INPUT', fields[0]?.message ?? undefined, { fields });
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Ids are UUIDs: anything else is looked up nowhere (and cannot make PostgreSQL reject a cast). */
export const isUuid = (value: string): boolean => UUID.test(value);
