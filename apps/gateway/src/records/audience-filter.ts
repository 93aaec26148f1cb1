import { readScope, type ReaderProfile } from '@hub/matching';
import type { AudienceFilter } from '@hub/persistence';

/** The handling rule as SQL parameters for a reader: what RecordListing restricts a page to. */
export function audienceFilterOf(reader: ReaderProfile): AudienceFilter {
  const scope = readScope(reader);
  return {
    originatorCode: scope.originatorCode,
    recipientCode: scope.recipientCode,
    handlingAnywhere: scope.handlingAnywhere,
    regionHandlingRegions: scope.handlingInRegions?.regions ?? [],
    excludedCode: scope.excludedCode,
    excludedCountry: scope.excludedCountry,
    operations: scope.operations,
  };
}
