import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { TAXII_MEDIA_TYPE, taxiiError } from '@hub/interop';
import { ProblemException } from '@hub/platform';
import { exactMediaType } from '../http/exact-media-type';

/** TAXII clients read TAXII error messages: the same refusals as elsewhere, in TAXII's shape. */
@Catch()
export class TaxiiErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger('TaxiiError');

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const reply = http.getResponse<FastifyReply>();
    let status = 500;
    let title = 'Internal error';
    let description: string | undefined = 'The hub could not complete the request.';
    let headers: Record<string, string> = {};
    if (exception instanceof ProblemException) {
      ({ status, title, headers } = exception);
      description = exception.errors?.length
        ? exception.errors.map((fault) => `${fault.field} ${fault.detail}`).join('; ')
        : exception.detail;
    } else if (exception instanceof HttpException) {
      status = exception.getStatus();
      title = exception.message;
      description = undefined;
    } else {
      this.logger.error({ reqId: request.id, err: exception, msg: 'TAXII request failed' });
    }
    // A TAXII client learns here that it may send the key as the Basic password too.
    if (status === 401) headers = { ...headers, 'www-authenticate': 'Bearer, Basic realm="Cosmo Hub TAXII"' };
    void reply
      .status(status)
      .headers(headers)
      .send(
        exactMediaType(reply, TAXII_MEDIA_TYPE, {
          ...taxiiError(status, title, description),
          error_id: String(request.id),
        }),
      );
  }
}
