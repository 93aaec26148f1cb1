import { ProblemException, problemField } from '@hub/platform';

export interface AuditPosition {
  txId: string;
  id: string;
}

/** Opaque to clients: the position of the last entry they received. */
export function encodeAuditCursor(position: AuditPosition): string {
  return Buffer.from(`${position.txId}:${position.id}`, 'utf8').toString('base64url');
}

export function decodeAuditCursor(cursor: string): AuditPosition {
  const match = /^(\d{1,20}):(\d{1,20})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!match)
    throw ProblemException.invalidRequest([problemField('cursor', 'is not a cursor returned by this list')]);
  return { txId: match[1], id: match[2] };
}
