import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { PROBLEM_CONTENT_TYPE, ProblemException, problemField } from './problem-details';
import { REQUEST_ID_HEADER } from './request-id';

/** Longest path parameter the router matches: far above any id, below what a URL may hold. */
export const MAX_PATH_PARAMETER_LENGTH = 2048;

const UNDECODABLE = 'undecodable-segment';

/** The path parameter whose segment is not percent-encoded UTF-8: the route is matched again without it. */
function undecodableParameter(request: FastifyRequest): string | undefined {
  const [path] = request.url.split('?');
  const probe = path
    .split('/')
    .map((segment) => {
      try {
        decodeURIComponent(segment);
        return segment;
      } catch {
        return UNDECODABLE;
      }
    })
    .join('/');
  const route = request.server.findRoute({ method: request.method, url: probe });
  const params: Record<string, string | undefined> = route?.params ?? {};
  return Object.keys(params).find((name) => params[name] === UNDECODABLE);
}

const METHODS = ['DELETE', 'GET', 'HEAD', 'OPTIONS', 'PATCH', 'POST', 'PUT'] as const;

/**
 * The methods the router serves at the path of a request it matched to no route: empty when the
 * path itself is unknown. Asked of Fastify's router, so every route counts without being listed.
 */
export function allowedMethods(request: FastifyRequest): string[] {
  if (request.routeOptions.url !== undefined) return [];
  const url = request.url.split('?')[0];
  return METHODS.filter(
    (method) => method !== request.method && request.server.findRoute({ method, url }) !== null,
  );
}

/** A known path asked with a method it does not serve: 405 with the methods it does serve. */
export function methodNotAllowed(method: string, allowed: readonly string[]): ProblemException {
  return new ProblemException(
    405,
    'method-not-allowed',
    'Method not allowed',
    `${method} is not served here; use ${allowed.join(', ')}.`,
    undefined,
    { allow: allowed.join(', ') },
  );
}

function routerProblem(error: FastifyError, request: FastifyRequest): ProblemException {
  if (error.code === 'FST_ERR_MAX_PARAM_LENGTH') {
    return new ProblemException(
      414,
      'uri-too-long',
      'URI too long',
      `A path parameter is longer than ${MAX_PATH_PARAMETER_LENGTH} characters.`,
    );
  }
  if (error.code === 'FST_ERR_BAD_URL') {
    return ProblemException.invalidRequest(
      [problemField(undecodableParameter(request) ?? '', 'is not valid percent-encoded UTF-8')],
      'The URL is not valid percent-encoded UTF-8.',
    );
  }
  return new ProblemException(400, 'invalid-request', 'Invalid request', 'The request could not be routed.');
}

/**
 * Fastify's router answers a malformed URL or an over-long path parameter itself, before Nest
 * sees the request; this answers them as problem+json too, naming the parameter where it can.
 */
export function answerRouterError(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  answerProblem(routerProblem(error, request), request, reply);
}

/** Answers a problem from a hook, before Nest (and its exception filter) sees the request. */
export function answerProblem(problem: ProblemException, request: FastifyRequest, reply: FastifyReply): void {
  void reply
    .status(problem.status)
    .headers({
      ...problem.headers,
      'content-type': PROBLEM_CONTENT_TYPE,
      [REQUEST_ID_HEADER]: String(request.id),
    })
    .send(problem.toDocument(request.url.split('?')[0], String(request.id)));
}
