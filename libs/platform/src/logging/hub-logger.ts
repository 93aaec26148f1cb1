import type { LoggerService } from '@nestjs/common';
import pino, { type DestinationStream, type Logger } from 'pino';
import type { LogLevel } from '../config/hub-config';

/**
 * Paths redacted from every log line. API keys, admin tokens, webhook secrets
 * and connection strings must never reach a log, whatever a caller passes.
 */
export const REDACTED_PATHS: readonly string[] = [
  'req.headers.authorization',
  'req.headers["x-admin-token"]',
  'headers.authorization',
  'authorization',
  'apiKey',
  'secret',
  'token',
  'password',
  'databaseUrl',
  '*.apiKey',
  '*.secret',
  '*.token',
  '*.password',
  // TypeORM's QueryFailedError carries the statement's parameters: record bodies, key digests,
  // sealed webhook secrets. The query text (placeholders only) and the driver's message stay.
  'err.parameters',
  '*.err.parameters',
];

/** JSON lines on stdout, or on `destination` (the tests capture them to look for secrets). */
export function createRootLogger(
  service: string,
  level: LogLevel,
  instance?: string,
  destination?: DestinationStream,
): Logger {
  const options = {
    level,
    base: { service, instance: instance ?? `${service}-${process.pid}` },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: [...REDACTED_PATHS], censor: '[redacted]' },
    formatters: { level: (label: string) => ({ level: label }) },
  };
  return destination ? pino(options, destination) : pino(options);
}

/** Nest's logger interface over pino, so framework and application logs share one JSON stream. */
export class HubLogger implements LoggerService {
  constructor(readonly pino: Logger) {}

  log(message: unknown, ...optional: unknown[]): void {
    this.write('info', message, optional);
  }
  error(message: unknown, ...optional: unknown[]): void {
    this.write('error', message, optional);
  }
  warn(message: unknown, ...optional: unknown[]): void {
    this.write('warn', message, optional);
  }
  debug(message: unknown, ...optional: unknown[]): void {
    this.write('debug', message, optional);
  }
  verbose(message: unknown, ...optional: unknown[]): void {
    this.write('trace', message, optional);
  }
  fatal(message: unknown, ...optional: unknown[]): void {
    this.write('fatal', message, optional);
  }

  private write(
    level: 'info' | 'error' | 'warn' | 'debug' | 'trace' | 'fatal',
    message: unknown,
    optional: unknown[],
  ): void {
    // Nest passes the context as the last string argument, and an error stack before it.
    const args = [...optional];
    const context = typeof args[args.length - 1] === 'string' ? (args.pop() as string) : undefined;
    const fields: Record<string, unknown> = context ? { context } : {};
    if (message instanceof Error) {
      this.pino[level]({ ...fields, err: message }, message.message);
      return;
    }
    if (typeof args[0] === 'string' && level === 'error') {
      fields.stack = args[0];
    }
    if (typeof message === 'object' && message !== null) {
      this.pino[level]({ ...fields, ...(message as Record<string, unknown>) });
      return;
    }
    this.pino[level](fields, String(message));
  }
}
