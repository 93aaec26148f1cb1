import { applyDecorators } from '@nestjs/common';
import { ApiResponse } from '@nestjs/swagger';

const DESCRIPTIONS: Record<number, string> = {
  400: 'Invalid request: problem+json listing every bad field in `errors`',
  401: 'Missing, unknown or revoked credentials',
  403: 'The caller may read the record but not change it (only its originator may)',
  404: 'No such resource, or one the caller may not read',
  406: 'The Accept header asks only for a representation the hub does not serve (e.g. STIX other than 2.1)',
  409: 'Conflict with the current state (a different body for a known reference, a withdrawn record)',
  413: 'Request body too large',
  415: 'Unsupported content type: send application/json',
  429: 'A rate limit or quota is spent: retry after `Retry-After` seconds; nothing was written',
  408: 'The request was not sent whole within HTTP_REQUEST_TIMEOUT_MS; nothing was written',
  414: 'A path parameter is longer than 2048 characters',
  503: 'The database did not answer in time (DATABASE_STATEMENT_TIMEOUT_MS); nothing was acknowledged',
};

/** The problem+json response object of a status, as the decorators below document it. */
export function problemResponse(status: number): {
  description: string;
  content: Record<string, { schema: { $ref: string } }>;
} {
  return {
    description: DESCRIPTIONS[status] ?? 'Error',
    content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/ProblemDocument' } } },
  };
}

/** Documents the problem+json answers a route can give. */
export function ProblemResponses(...statuses: number[]): MethodDecorator & ClassDecorator {
  return applyDecorators(...statuses.map((status) => ApiResponse({ status, ...problemResponse(status) })));
}
