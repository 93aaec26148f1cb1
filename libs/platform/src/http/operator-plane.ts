import type { IncomingMessage } from 'node:http';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ProblemException } from './problem-details';
import { answerProblem } from './router-errors';
import { bearerToken, sameSecret } from './secret-compare';

/**
 * Who may reach a service's insides: its metrics, its detailed health and (on the gateway) the
 * admin API. The rule is written once here, for every service.
 */
export interface OperatorPlaneOptions {
  /** A listener of its own for the operator's routes (the gateway's ADMIN_PORT, ADMIN_HOST). */
  listener?: { port: number; host: string };
  /** Bearer that opens /metrics and the detailed /health on the main listener (METRICS_TOKEN). */
  metricsToken?: string;
  /**
   * The main listener faces the public (the gateway's API): there, /metrics and /health need the
   * metrics token. A worker's only listener is a management port (bound to loopback or the
   * cluster network): open unless a metrics token is set.
   */
  publicListener: boolean;
  /** Route prefixes served on the operator listener only, when there is one (the gateway's /v1/admin). */
  operatorPaths?: readonly string[];
}

/** Metrics and the detailed health: what tells an observer how the hub is used. */
const INSIDE_ROUTES = new Set(['/metrics', '/health']);
/** Probes every listener answers: liveness, and readiness without its details. */
const PROBE_ROUTES = new Set(['/health/live', '/health/ready']);

const onOperatorListener = new WeakSet<IncomingMessage>();
const withOperatorAccess = new WeakSet<IncomingMessage>();

/** Marks a request that arrived on the operator listener (called by that listener's server). */
export function arrivedOnOperatorListener(request: IncomingMessage): void {
  onOperatorListener.add(request);
}

/**
 * Whether the request may see the service's insides (e.g. the checks of /health/ready): it came
 * on the operator listener, carries the metrics token, or reached a worker's open management port.
 */
export function hasOperatorAccess(request: FastifyRequest | IncomingMessage): boolean {
  return withOperatorAccess.has('raw' in request ? request.raw : request);
}

/** The onRequest hook that enforces the plane, on the route Fastify matched (not on the raw path). */
export function guardOperatorPlane(fastify: FastifyInstance, options: OperatorPlaneOptions): void {
  const operatorPaths = options.operatorPaths ?? [];
  const isOperatorPath = (request: FastifyRequest): boolean => {
    const route = request.routeOptions.url ?? '';
    // The raw path too, lowercased: a method the route does not serve must not answer 405 there.
    const path = request.url.split('?')[0].toLowerCase();
    return operatorPaths.some((prefix) => route.startsWith(prefix) || path.startsWith(prefix));
  };
  const opened = (request: FastifyRequest): boolean => {
    if (!options.metricsToken) return !options.publicListener;
    const token = bearerToken(request.headers.authorization);
    return token !== null && sameSecret(token, options.metricsToken);
  };
  fastify.addHook('onRequest', async (request, reply) => {
    const route = request.routeOptions.url;
    if (onOperatorListener.has(request.raw)) {
      withOperatorAccess.add(request.raw);
      // The operator listener serves the operator's routes, the probes and the documentation only.
      if (
        route === undefined ||
        isOperatorPath(request) ||
        INSIDE_ROUTES.has(route) ||
        PROBE_ROUTES.has(route) ||
        route.startsWith('/docs')
      )
        return;
      answerProblem(ProblemException.notFound(), request, reply);
      return reply;
    }
    if (options.listener && isOperatorPath(request)) {
      answerProblem(ProblemException.notFound(), request, reply);
      return reply;
    }
    if (route === undefined || !(INSIDE_ROUTES.has(route) || PROBE_ROUTES.has(route))) return;
    if (opened(request)) {
      withOperatorAccess.add(request.raw);
      return;
    }
    if (!INSIDE_ROUTES.has(route)) return;
    answerProblem(
      options.metricsToken
        ? ProblemException.unauthorized('A valid metrics token is required: Authorization: Bearer <token>.')
        : ProblemException.notFound(),
      request,
      reply,
    );
    return reply;
  });
}
