import type { INestApplication, Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import {
  type FastifyBaseLogger,
  type FastifyReply,
  type FastifyRequest,
  type FastifyServerFactory,
  LogController,
} from 'fastify';
import { readFileSync } from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import type { Logger } from 'pino';
import { HubLogger } from '../logging/hub-logger';
import { HubMetrics } from '../metrics/metrics';
import { ProblemDetailsFilter } from './problem-details.filter';
import { parseJsonBody } from './json-body';
import { arrivedOnOperatorListener, guardOperatorPlane, type OperatorPlaneOptions } from './operator-plane';
import { clientRequestIdOf, REQUEST_ID_HEADER, requestIdFor } from './request-id';
import { answerRouterError, MAX_PATH_PARAMETER_LENGTH } from './router-errors';

export interface HttpServiceOptions {
  logger: Logger;
  bodyLimitBytes?: number;
  timeouts?: HttpTimeouts;
  /** Called before listen, e.g. to mount the OpenAPI document. */
  configure?: (app: NestFastifyApplication) => void | Promise<void>;
  /** HTTPS with these PEM files (TLS_CERT_FILE, TLS_KEY_FILE), and HSTS on every answer. */
  tls?: { certFile: string; keyFile: string };
  /** Who reaches metrics, the detailed health and the admin API; by default a worker's open management port. */
  operatorPlane?: OperatorPlaneOptions;
  /** Reverse proxies (addresses, CIDR ranges) whose X-Forwarded-For names the client; none by default. */
  trustedProxies?: string[];
}

/** The settings of the HTTP service every service reads from its configuration (HubServiceConfig). */
export function httpServiceSettings(config: {
  TLS_CERT_FILE?: string;
  TLS_KEY_FILE?: string;
  METRICS_TOKEN?: string;
}): Pick<HttpServiceOptions, 'tls' | 'operatorPlane'> {
  return {
    ...(config.TLS_CERT_FILE && config.TLS_KEY_FILE
      ? { tls: { certFile: config.TLS_CERT_FILE, keyFile: config.TLS_KEY_FILE } }
      : {}),
    operatorPlane: { metricsToken: config.METRICS_TOKEN, publicListener: false },
  };
}

/** What every answer carries (L-4): nothing cached on the way, no content sniffing, no framing. */
const SECURITY_HEADERS = {
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
  'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
};
/** The Swagger UI loads its own scripts, styles and images, and calls the API (`Try it out`). */
const DOCS_CONTENT_SECURITY_POLICY =
  "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; " +
  "font-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";
/**
 * A page the hub renders for a person (the operation report) styles itself inline and loads or
 * runs nothing: no scripts, images, fonts or connections.
 */
const PAGE_CONTENT_SECURITY_POLICY =
  "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";
/** A year, the subdomains too: browsers then never speak plain HTTP to the hub. */
const HSTS = 'max-age=31536000; includeSubDomains';

/** The listener of the operator plane beside the app's own, and how its URLs are written. */
interface ServiceListeners {
  scheme: 'http' | 'https';
  operator?: { server: http.Server; port: number; host: string };
}
const listenersOf = new WeakMap<INestApplication, ServiceListeners>();

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

/** The caller's own request id beside the server's on every log line of the request. */
function withClientRequestId(
  logger: FastifyBaseLogger,
  bindings: Record<string, unknown>,
  childOptions: Parameters<FastifyBaseLogger['child']>[1],
  raw: http.IncomingMessage,
): FastifyBaseLogger {
  const clientRequestId = clientRequestIdOf(raw);
  return logger.child(clientRequestId ? { ...bindings, clientRequestId } : bindings, childOptions);
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
  const plane = options.operatorPlane ?? { publicListener: false };
  const tls = options.tls
    ? { cert: readFileSync(options.tls.certFile), key: readFileSync(options.tls.keyFile) }
    : null;
  const listeners: ServiceListeners = { scheme: tls ? 'https' : 'http' };
  // One router behind both listeners: the operator's marks its requests, the hook below decides.
  const serverOf = (handler: http.RequestListener): http.Server => {
    const settings: http.ServerOptions = {
      // Node checks for overdue requests every 30 s by default: a short timeout would be loose by that much.
      connectionsCheckingInterval: Math.min(1000, timeouts.requestMs),
      headersTimeout: Math.min(60_000, timeouts.requestMs),
      requestTimeout: timeouts.requestMs,
    };
    const server = tls
      ? https.createServer({ ...settings, ...tls }, handler)
      : http.createServer(settings, handler);
    server.keepAliveTimeout = timeouts.keepAliveMs;
    server.setTimeout(timeouts.connectionMs);
    return server;
  };
  const adapter = new FastifyAdapter({
    loggerInstance: options.logger,
    genReqId: requestIdFor,
    childLoggerFactory: withClientRequestId,
    logController: new RequestLog({ requestIdLogLabel: 'reqId', disableRequestLogging: false }),
    bodyLimit: options.bodyLimitBytes ?? 1024 * 1024,
    // request.ip (rate limits, the audit's address) is the socket's peer unless it is a trusted proxy.
    ...(options.trustedProxies?.length ? { trustProxy: options.trustedProxies } : {}),
    // TAXII's URLs end with a slash (`/taxii2/`, `…/objects/`) and Nest registers routes without
    // one: every route answers both ways.
    routerOptions: { maxParamLength: MAX_PATH_PARAMETER_LENGTH, ignoreTrailingSlash: true },
    frameworkErrors: answerRouterError,
    return503OnClosing: true,
    requestTimeout: timeouts.requestMs,
    connectionTimeout: timeouts.connectionMs,
    keepAliveTimeout: timeouts.keepAliveMs,
    serverFactory: ((handler: http.RequestListener) => {
      if (plane.listener)
        listeners.operator = {
          ...plane.listener,
          server: serverOf((request, response) => {
            arrivedOnOperatorListener(request);
            handler(request, response);
          }),
        };
      return serverOf(handler);
    }) as FastifyServerFactory,
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
  guardOperatorPlane(fastify, plane);
  fastify.addHook('onSend', async (request, reply) => {
    void reply.header(REQUEST_ID_HEADER, request.id);
    const docs = (request.routeOptions.url ?? '').startsWith('/docs');
    const page = /^text\/html\b/i.test(String(reply.getHeader('content-type') ?? ''));
    void reply.headers({
      ...SECURITY_HEADERS,
      ...(page ? { 'content-security-policy': PAGE_CONTENT_SECURITY_POLICY } : {}),
      ...(docs ? { 'content-security-policy': DOCS_CONTENT_SECURITY_POLICY } : {}),
      ...(tls ? { 'strict-transport-security': HSTS } : {}),
    });
  });
  fastify.addHook('onClose', async () => {
    const server = listeners.operator?.server;
    if (!server?.listening) return;
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });
  listenersOf.set(app, listeners);
  fastify.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    metrics.httpRequests.inc({ method: request.method, route, status: String(reply.statusCode) });
    metrics.httpDuration.observe({ method: request.method, route }, reply.elapsedTime / 1000);
  });
  await options.configure?.(app);
  return app;
}

/** Listens on the service's port and, if it has one, its operator listener; answers the service's URL. */
export async function listen(app: INestApplication, port: number, host = '0.0.0.0'): Promise<string> {
  await app.listen(port, host);
  const operator = listenersOf.get(app)?.operator;
  if (operator)
    await new Promise<void>((resolve, reject) => {
      operator.server.once('error', reject);
      operator.server.listen(operator.port, operator.host, () => resolve());
    });
  return urlOf(app, app.getHttpServer() as http.Server);
}

/** The operator listener's URL (admin API, metrics, detailed health), or null when the service has none. */
export function operatorUrl(app: INestApplication): string | null {
  const operator = listenersOf.get(app)?.operator;
  return operator?.server.listening ? urlOf(app, operator.server) : null;
}

function urlOf(app: INestApplication, server: http.Server): string {
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('the service is not listening');
  const host = ['0.0.0.0', '::'].includes(address.address)
    ? '127.0.0.1'
    : address.family === 'IPv6'
      ? `[${address.address}]`
      : address.address;
  return `${listenersOf.get(app)?.scheme ?? 'http'}://${host}:${address.port}`;
}
