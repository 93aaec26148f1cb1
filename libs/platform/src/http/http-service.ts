import type { INestApplication, Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { type FastifyReply, type FastifyRequest, LogController } from 'fastify';
import type { Logger } from 'pino';
import { HubLogger } from '../logging/hub-logger';
import { HubMetrics } from '../metrics/metrics';
import { ProblemDetailsFilter } from './problem-details.filter';
import { parseJsonBody } from './json-body';
import { REQUEST_ID_HEADER, requestIdFor } from './request-id';
import { answerRouterError, MAX_PATH_PARAMETER_LENGTH } from './router-errors';

export interface HttpServiceOptions {
  logger: Logger;
  bodyLimitBytes?: number;
  timeouts?: HttpTimeouts;
  /** Called before listen, e.g. to mount the OpenAPI document. */
  configure?: (app: NestFastifyApplication) => void | Promise<void>;
}

export interface HttpTimeouts {
  /** Time allowed to receive a whole request (headers and body); a slower client gets 408. */
  requestMs: number;
  /** Socket inactivity after which the connection is closed. */
  connectionMs: number;
  /** Idle time a keep-alive connection is kept between requests. */
  keepAliveMs: number;
}

/**
 * One log line per request, when it is answered (or fails), carrying the request and the answer:
 * Fastify's default adds an 'incoming request' line, which doubled the logging of every request.
 */
class RequestLog extends LogController {
  override incomingRequest(): void {}

  override requestCompleted(
    error: Error | null | undefined,
    request: FastifyRequest,
    reply: FastifyReply,
  ): void {
    if (this.isLogDisabled(request)) return;
    if (error)
      reply.log.error(
        { req: request, res: reply, err: error, responseTime: reply.elapsedTime },
        'request errored',
      );
    else reply.log.info({ req: request, res: reply, responseTime: reply.elapsedTime }, 'request completed');
  }
}

/** Node's defaults but for the request timeout, which Node leaves at 5 minutes. */
const DEFAULT_TIMEOUTS: HttpTimeouts = { requestMs: 30_000, connectionMs: 120_000, keepAliveMs: 72_000 };

/**
 * Creates a hub HTTP service on Fastify: JSON logs with request ids, problem+json
 * errors, request metrics, bounded bodies. Shared by every app that serves HTTP.
 */
export async function createHttpService(
  module: Type<unknown>,
  options: HttpServiceOptions,
): Promise<NestFastifyApplication> {
  const timeouts = options.timeouts ?? DEFAULT_TIMEOUTS;
  const adapter = new FastifyAdapter({
    loggerInstance: options.logger,
    genReqId: requestIdFor,
    logController: new RequestLog({ requestIdLogLabel: 'reqId', disableRequestLogging: false }),
    bodyLimit: options.bodyLimitBytes ?? 1024 * 1024,
    // TAXII's URLs end with a slash (`/taxii2/`, `…/objects/`) and Nest registers routes without
    // one: every route answers both ways.
    routerOptions: { maxParamLength: MAX_PATH_PARAMETER_LENGTH, ignoreTrailingSlash: true },
    frameworkErrors: answerRouterError,
    return503OnClosing: true,
    requestTimeout: timeouts.requestMs,
    connectionTimeout: timeouts.connectionMs,
    keepAliveTimeout: timeouts.keepAliveMs,
    http: {
      // Node checks for overdue requests every 30 s by default: a short timeout would be loose by that much.
      connectionsCheckingInterval: Math.min(1000, timeouts.requestMs),
      headersTimeout: Math.min(60_000, timeouts.requestMs),
      requestTimeout: timeouts.requestMs,
    },
  });
  const app = await NestFactory.create<NestFastifyApplication>(module, adapter, {
    logger: new HubLogger(options.logger),
    bufferLogs: false,
    // JSON only (the parser below); form and text bodies are refused with 415.
    bodyParser: false,
  });
  app.useGlobalFilters(new ProblemDetailsFilter());
  app.enableShutdownHooks();
  const metrics = app.get(HubMetrics, { strict: false });
  const fastify = app.getHttpAdapter().getInstance();
  fastify.removeContentTypeParser(['text/plain', 'application/json']);
  // An empty body is no body: action routes such as POST …/withdraw are often called with a JSON
  // content type and nothing else.
  fastify.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_request, body, done) => {
    try {
      done(null, parseJsonBody(body as Buffer));
    } catch (error) {
      done(error as Error, undefined);
    }
  });
  fastify.addHook('onSend', async (request, reply) => {
    void reply.header(REQUEST_ID_HEADER, request.id);
  });
  fastify.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    metrics.httpRequests.inc({ method: request.method, route, status: String(reply.statusCode) });
    metrics.httpDuration.observe({ method: request.method, route }, reply.elapsedTime / 1000);
  });
  await options.configure?.(app);
  return app;
}

export async function listen(app: INestApplication, port: number, host = '0.0.0.0'): Promise<string> {
  await app.listen(port, host);
  return app.getUrl();
}
