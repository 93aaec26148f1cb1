import type { LoggerService } from '@nestjs/common';
import pino, { type DestinationStream, type Logger } from 'pino';
import pretty from 'pino-pretty';
import type { LogFormat, LogLevel } from '../config/hub-config';

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

/** `LOG_FORMAT` when set; otherwise one line a person can read on a terminal, JSON lines anywhere else. */
export function resolveLogFormat(
  configured?: LogFormat,
  output: { isTTY?: boolean } = process.stdout,
): LogFormat {
  return configured ?? (output.isTTY ? 'pretty' : 'json');
}

type LogRecord = Record<string, unknown> & {
  service?: string;
  step?: string;
  context?: string;
  req?: { method?: string; url?: string };
  res?: { statusCode?: number };
  responseTime?: number;
};

/** Fields the human line shows in its own words (or that say nothing to a person at a terminal). */
const SHOWN_OR_IGNORED = 'pid,hostname,service,instance,step,context,req,res,responseTime';

/**
 * One line per event for a person: time, level (coloured), service, what happened; a request as
 * `GET /v1/alerts 201 12 ms`; other fields on the same line. Redaction happens before (in pino).
 */
export function humanLogStream(destination: NodeJS.WritableStream = process.stdout): DestinationStream {
  const colorize = Boolean((destination as { isTTY?: boolean }).isTTY);
  return pretty({
    destination,
    colorize,
    sync: true,
    singleLine: true,
    translateTime: 'SYS:HH:MM:ss.l',
    ignore: SHOWN_OR_IGNORED,
    messageFormat: (raw, messageKey, _level, { colors }) => {
      const log = raw as LogRecord;
      const service = log.service ?? '';
      const who = colors.bold(
        (log.step && log.step !== service ? `${service} ${log.step}` : service).padEnd(9),
      );
      const context = log.context ? colors.gray(`${log.context}: `) : '';
      const message = typeof log[messageKey] === 'string' ? log[messageKey] : '';
      const request =
        log.req && log.res
          ? ` ${log.req.method ?? ''} ${log.req.url ?? ''} ${log.res.statusCode ?? ''}${log.responseTime === undefined ? '' : ` ${Math.round(log.responseTime)} ms`}`
          : '';
      return `${who} ${context}${message}${request}`;
    },
  });
}

/**
 * JSON lines on stdout (or the human form, see `resolveLogFormat`), or on `destination` (the tests
 * capture them to look for secrets).
 */
export function createRootLogger(
  service: string,
  level: LogLevel,
  instance?: string,
  destination?: DestinationStream,
  format: LogFormat = 'json',
): Logger {
  const options = {
    level,
    base: { service, instance: instance ?? `${service}-${process.pid}` },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: [...REDACTED_PATHS], censor: '[redacted]' },
    formatters: { level: (label: string) => ({ level: label }) },
  };
  if (format === 'pretty')
    return pino(options, humanLogStream(destination as NodeJS.WritableStream | undefined));
  return destination ? pino(options, destination) : pino(options);
}

/** Nest's own start-up chatter (one line per module, controller and route): kept for `debug`. */
const FRAMEWORK_BOOT_CONTEXTS = new Set([
  'NestFactory',
  'InstanceLoader',
  'RoutesResolver',
  'RouterExplorer',
  'NestApplication',
]);

/** Nest's logger interface over pino, so framework and application logs share one JSON stream. */
export class HubLogger implements LoggerService {
  constructor(readonly pino: Logger) {}

  log(message: unknown, ...optional: unknown[]): void {
    const context = optional[optional.length - 1];
    this.write(
      typeof context === 'string' && FRAMEWORK_BOOT_CONTEXTS.has(context) ? 'debug' : 'info',
      message,
      optional,
    );
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
