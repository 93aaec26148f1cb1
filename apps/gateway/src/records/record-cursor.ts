import { ProblemException, problemField } from '@hub/platform';

export interface RecordPosition {
  createdAt: Date;
  id: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Opaque to clients; it only names a position, so a forged one reveals nothing the caller may not read. */
export function encodeCursor(position: RecordPosition): string {
  return Buffer.from(JSON.stringify({ t: position.createdAt.toISOString(), i: position.id })).toString(
    'base64url',
  );
}

export function decodeCursor(cursor: string): RecordPosition {
  try {
    const parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as {
      t?: unknown;
      i?: unknown;
    };
    const createdAt = typeof parsed.t === 'string' ? new Date(parsed.t) : new Date(NaN);
    if (Number.isNaN(createdAt.getTime()) || typeof parsed.i !== 'string' || !UUID.test(parsed.i))
      throw new Error('bad');
    return { createdAt, id: parsed.i };
  } catch {
    throw ProblemException.invalidRequest([problemField('cursor', 'is not a cursor returned by this hub')]);
  }
}
