import { decodePositionCursor, encodePositionCursor, type LogPosition } from '../http/position-cursor';

export type AuditPosition = LogPosition;

/** Opaque to clients: the position of the last entry they received. */
export function encodeAuditCursor(position: AuditPosition): string {
  return encodePositionCursor(position);
}

export function decodeAuditCursor(cursor: string): AuditPosition {
  return decodePositionCursor(cursor, 'cursor', 'is not a cursor returned by this list');
}
