import pino, { type Logger } from 'pino';

export type { Logger };

export function createLogger(level: string, base: Record<string, unknown> = {}): Logger {
  return pino({
    level,
    base: { service: 'crossbill-api', ...base },
    timestamp: pino.stdTimeFunctions.isoTime,
    // Never let a credential reach the logs, whatever object carries it.
    redact: {
      paths: [
        'password', '*.password', '*.newPassword', '*.currentPassword', 'token', '*.token',
        'refreshToken', '*.refreshToken', 'req.headers.authorization', 'req.headers.cookie',
      ],
      censor: '[redacted]',
    },
  });
}
