import { ProblemException, problemField } from '@hub/platform';
import { RESOURCE_ID_PATTERN } from '../http/request-parameters';

export interface RecordPosition {
  createdAt: Date;
  id: string;
}

/** An instant as Date#toISOString prints it, within years 0000-9999. */
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** Opaque to clients; it only names a position, so a forged one reveals nothing the caller may not read. */
export function encodeCursor(position: RecordPosition): string {
  return Buffer.from(JSON.stringify({ t: position.createdAt.toISOString(), i: position.id })).toString(
    'base64url',
  );
}

/** Only what encodeCursor gives is accepted: a forged cursor names a position, never an instant PostgreSQL refuses. */
export function decodeCursor(cursor: string): RecordPosition {
  const refused = ProblemException.invalidRequest([
    problemField('cursor', 'is not a cursor returned by this hub'),
  ]);
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw refused;
  }
  const { t, i } = (typeof parsed === 'object' && parsed !== null ? parsed : {}) as {
    t?: unknown;
    i?: unknown;
  };
  if (typeof t !== 'string' || !ISO_INSTANT.test(t) || typeof i !== 'string' || !RESOURCE_ID_PATTERN.test(i))
    throw refused;
  const position = { createdAt: new Date(t), id: i };
  if (Number.isNaN(position.createdAt.getTime()) || encodeCursor(position) !== cursor) throw refused;
  return position;
}
