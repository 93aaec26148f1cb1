import type { PublishedRecord } from '@hub/contracts';
import { eventFactsOf } from './event.facts';
import { mayRead, type ReaderProfile } from './handling.rule';

/**
 * Whether a reader may still be given a version of a record it was matched to: it must be allowed
 * that version and the record's current one. A revision that narrowed the audience (handling
 * tightened, recipients or regions removed) so withholds every earlier version from those it left
 * out, on every channel that serves or sends them later. Without a current version (only
 * hand-seeded feed entries lack a record) the given version's own audience decides, as it always did.
 */
export function mayStillRead(
  reader: ReaderProfile,
  given: PublishedRecord,
  current: PublishedRecord | null | undefined,
): boolean {
  if (!mayRead(reader, eventFactsOf(given).audience)) return false;
  return !current || mayRead(reader, eventFactsOf(current).audience);
}
