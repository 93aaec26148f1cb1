import { ProblemException, problemField } from '@hub/platform';

/** A place in a log read in (transaction id, entry id) order: feeds and the audit trail. */
export interface LogPosition {
  txId: string;
  id: string;
}

const MAX_BIGINT = 2n ** 63n - 1n;

/** A position as PostgreSQL prints a bigint: decimal, no leading zero, in range. */
export function isEntryPosition(text: string): boolean {
  return /^(0|[1-9]\d{0,18})$/.test(text) && BigInt(text) <= MAX_BIGINT;
}

/** Opaque to clients: the position of the last entry they received. */
export function encodePositionCursor(position: LogPosition): string {
  return Buffer.from(`${position.txId}:${position.id}`, 'utf8').toString('base64url');
}

/**
 * Only what encodePositionCursor gives is accepted: a forged cursor names a position in the
 * caller's own listing, never a value the database cannot take.
 */
export function decodePositionCursor(cursor: string, parameter: string, detail: string): LogPosition {
  const [txId, id, ...rest] = Buffer.from(cursor, 'base64url').toString('utf8').split(':');
  if (
    rest.length > 0 ||
    id === undefined ||
    !isEntryPosition(txId) ||
    !isEntryPosition(id) ||
    encodePositionCursor({ txId, id }) !== cursor
  ) {
    throw ProblemException.invalidRequest([problemField(parameter, detail)]);
  }
  return { txId, id };
}
