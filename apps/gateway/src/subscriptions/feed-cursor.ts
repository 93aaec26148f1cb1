import type { FeedPosition } from '@hub/persistence';
import { ProblemException, problemField } from '@hub/platform';

const MAX_BIGINT = 2n ** 63n - 1n;

/** A feed or delivery position as PostgreSQL prints a bigint: decimal, no leading zero, in range. */
export function isEntryPosition(text: string): boolean {
  return /^(0|[1-9]\d{0,18})$/.test(text) && BigInt(text) <= MAX_BIGINT;
}

/** Opaque to clients: the position of the last entry they received. */
export function encodeFeedCursor(position: FeedPosition): string {
  return Buffer.from(`${position.txId}:${position.id}`, 'utf8').toString('base64url');
}

/**
 * Only what encodeFeedCursor gives is accepted: a forged cursor names a position in the caller's
 * own feed, never a value the database cannot take.
 */
export function decodeFeedCursor(cursor: string): FeedPosition {
  const [txId, id, ...rest] = Buffer.from(cursor, 'base64url').toString('utf8').split(':');
  if (
    rest.length > 0 ||
    id === undefined ||
    !isEntryPosition(txId) ||
    !isEntryPosition(id) ||
    encodeFeedCursor({ txId, id }) !== cursor
  ) {
    throw ProblemException.invalidRequest([problemField('after', 'is not a cursor returned by this feed')]);
  }
  return { txId, id };
}
