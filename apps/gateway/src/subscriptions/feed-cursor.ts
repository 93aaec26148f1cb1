import type { FeedPosition } from '@hub/persistence';
import { ProblemException, problemField } from '@hub/platform';

/** Opaque to clients: the position of the last entry they received. */
export function encodeFeedCursor(position: FeedPosition): string {
  return Buffer.from(`${position.txId}:${position.id}`, 'utf8').toString('base64url');
}

export function decodeFeedCursor(cursor: string): FeedPosition {
  const match = /^(\d{1,20}):(\d{1,20})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!match)
    throw ProblemException.invalidRequest([problemField('after', 'is not a cursor returned by this feed')]);
  return { txId: match[1], id: match[2] };
}
