import type { FeedPosition } from '@hub/persistence';
import { decodePositionCursor, encodePositionCursor } from '../http/position-cursor';

export { isEntryPosition } from '../http/position-cursor';

/** Opaque to clients: the position of the last entry they received. */
export function encodeFeedCursor(position: FeedPosition): string {
  return encodePositionCursor(position);
}

export function decodeFeedCursor(
  cursor: string,
  parameter = 'after',
  detail = 'is not a cursor returned by this feed',
): FeedPosition {
  return decodePositionCursor(cursor, parameter, detail);
}
