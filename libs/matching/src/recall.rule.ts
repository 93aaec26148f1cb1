import type { PublishedRecord } from '@hub/contracts';
import { eventFactsOf } from './event.facts';
import { mayRead, type ReaderProfile } from './handling.rule';

/**
 * Whether a reader may still be given a version of a record it was matched to: it must be allowed
 * that version and the record's current one. A revision that narrowed the audience (handling
 * tightened, recipients or regions removed) so withholds every earlier version from those it left
 * out, on every channel that serves or sends them later. An unknown current version denies.
 */
export function mayStillRead(
  reader: ReaderProfile,
  given: PublishedRecord,
  current: PublishedRecord | null | undefined,
): boolean {
  if (!current) return false;
  return mayRead(reader, eventFactsOf(given).audience) && mayRead(reader, eventFactsOf(current).audience);
}
