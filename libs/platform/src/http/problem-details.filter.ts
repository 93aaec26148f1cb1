import {
  type ArgumentsHost,
  Catch,
  type ExceptionFilter,
  HttpException,
  HttpStatus,
  Logger,
} from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { PROBLEM_CONTENT_TYPE, ProblemException } from './problem-details';
import { allowedMethods, methodNotAllowed } from './router-errors';

/** Fastify's own body errors carry a status code and a stable error code. */
interface FrameworkError {
  statusCode?: number;
  code?: string;
  message?: string;
}

const FRAMEWORK_ERRORS: Record<string, (error: FrameworkError) => ProblemException> = {
  FST_ERR_CTP_BODY_TOO_LARGE: () =>
    new ProblemException(
      413,
      'payload-too-large',
      'Payload too large',
      'The request body exceeds the size limit.',
    ),
  FST_ERR_CTP_INVALID_MEDIA_TYPE: () =>
    new ProblemException(415, 'unsupported-media-type', 'Unsupported media type', 'Send application/json.'),
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: () =>
    new ProblemException(
      400,
      'invalid-request',
      'Invalid request',
      'Content-Length does not match the body.',
    ),
};

/** PostgreSQL's query_canceled: a statement ran past DATABASE_STATEMENT_TIMEOUT_MS. */
function isStatementTimeout(exception: unknown): boolean {
  const error = exception as { code?: unknown; driverError?: { code?: unknown } } | null;
  return Boolean(error) && (error?.code === '57014' || error?.driverError?.code === '57014');
}

function toProblem(exception: unknown): ProblemException {
  if (exception instanceof ProblemException) return exception;
  if (isStatementTimeout(exception)) {
    return new ProblemException(
      HttpStatus.SERVICE_UNAVAILABLE,
      'database-timeout',
      'Service unavailable',
      'The database did not answer in time; nothing was acknowledged. Try again.',
    );
  }
  if (exception instanceof HttpException) {
    const status = exception.getStatus();
    const slug = status === 404 ? 'not-found' : status === 429 ? 'too-many-requests' : `http-${status}`;
    return new ProblemException(status, slug, exception.message, undefined);
  }
  const framework = exception as FrameworkError;
  if (framework && typeof framework === 'object' && framework.code && FRAMEWORK_ERRORS[framework.code]) {
    return FRAMEWORK_ERRORS[framework.code](framework);
  }
  if (
    framework &&
    typeof framework.statusCode === 'number' &&
    framework.statusCode >= 400 &&
    framework.statusCode < 500
  ) {
    return new ProblemException(
      framework.statusCode,
      `http-${framework.statusCode}`,
      'Bad request',
      framework.message,
    );
  }
  return new ProblemException(
    HttpStatus.INTERNAL_SERVER_ERROR,
    'internal-error',
    'Internal error',
    'The hub could not complete the request; nothing was acknowledged.',
  );
}

/** Renders every error as RFC 9457 problem+json; unexpected ones are logged, never shown. */
@Catch()
export class ProblemDetailsFilter implements ExceptionFilter {
  private readonly logger = new Logger('ProblemDetails');

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const reply = http.getResponse<FastifyReply>();
    let problem = toProblem(exception);
    // The router's "no route" reaches here as a 404; on a path served with other methods it is a 405.
    if (problem.status === 404 && !(exception instanceof ProblemException)) {
      const allowed = allowedMethods(request);
      if (allowed.length > 0) problem = methodNotAllowed(request.method, allowed);
    }
    if (problem.status >= 500) {
      this.logger.error({ reqId: request.id, err: exception, msg: 'request failed' });
    }
    const path = request.url.split('?')[0];
    void reply
      .status(problem.status)
      .headers({ ...problem.headers, 'content-type': PROBLEM_CONTENT_TYPE })
      .send(problem.toDocument(path, String(request.id)));
  }
}
