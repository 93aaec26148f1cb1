import type { FeedPosition } from '@hub/persistence';
import { TAXII_TIMESTAMP, type TaxiiPosition } from '@hub/interop';
import { isEntryPosition } from '../http/position-cursor';

/** Where the next page of a collection starts, and the `added_after` it was asked with. */
export interface TaxiiCursor {
  position: TaxiiPosition<FeedPosition>;
  addedAfter: string | null;
}

const MAX_SKIP = 10_000;

function textOf(cursor: TaxiiCursor): string {
  const { after, skip } = cursor.position;
  return [after?.txId ?? '', after?.id ?? '', String(skip), cursor.addedAfter ?? ''].join('~');
}

/** Opaque to clients: the `next` of a TAXII envelope or manifest. */
export function encodeTaxiiCursor(cursor: TaxiiCursor): string {
  return Buffer.from(textOf(cursor), 'utf8').toString('base64url');
}

/** Only what encodeTaxiiCursor gives is accepted; anything else is null. */
export function decodeTaxiiCursor(token: string): TaxiiCursor | null {
  const parts = Buffer.from(token, 'base64url').toString('utf8').split('~');
  if (parts.length !== 4) return null;
  const [txId, id, skipText, addedAfter] = parts;
  const positioned = txId !== '' || id !== '';
  if (positioned && !(isEntryPosition(txId) && isEntryPosition(id))) return null;
  if (!/^(0|[1-9]\d{0,4})$/.test(skipText) || Number(skipText) > MAX_SKIP) return null;
  const cursor: TaxiiCursor = {
    position: { after: positioned ? { txId, id } : null, skip: Number(skipText) },
    addedAfter: addedAfter === '' ? null : addedAfter,
  };
  if (cursor.addedAfter !== null && !TAXII_TIMESTAMP.test(cursor.addedAfter)) return null;
  return encodeTaxiiCursor(cursor) === token ? cursor : null;
}
