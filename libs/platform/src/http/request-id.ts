import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

const ACCEPTED_REQUEST_ID = /^[A-Za-z0-9._:-]{8,64}$/;
export const REQUEST_ID_HEADER = 'x-request-id';

/**
 * The request's id, always the server's own: it is what the audit trail and the logs stand on, so a
 * caller must not choose it (nor reuse another request's). The caller's id is kept beside it.
 */
export function requestIdFor(): string {
  return randomUUID();
}

/** The caller's own `x-request-id` when well formed, kept beside the server's id so logs correlate across systems. */
export function clientRequestIdOf(request: IncomingMessage): string | undefined {
  const header = request.headers[REQUEST_ID_HEADER];
  const candidate = Array.isArray(header) ? header[0] : header;
  return candidate && ACCEPTED_REQUEST_ID.test(candidate) ? candidate : undefined;
}
