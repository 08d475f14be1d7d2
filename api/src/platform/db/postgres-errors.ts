import { QueryFailedError } from 'typeorm';

/** A unique constraint said no (PostgreSQL 23505): the row exists already. */
export const isUniqueViolation = (error: unknown): boolean =>
  error instanceof QueryFailedError && (error.driverError as { code?: string } | undefined)?.code === '23505';
