import { readScope, type ReaderProfile, type RecordAudience } from '@hub/matching';
import type { AudienceFilter, IntelligenceRecordEntity } from '@hub/persistence';

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
    allOperations: scope.allOperations,
  };
}

/** A stored record's audience, as mayRead judges it (every read of a stored record goes through this). */
export function audienceOfStored(record: IntelligenceRecordEntity): RecordAudience {
  return {
    originator: record.originatorCode,
    handling: record.handling,
    regions: record.regions,
    recipients: record.recipients,
    excludeOrganizations: record.excludeOrganizations,
    excludeCountries: record.excludeCountries,
    ...(record.body.operation !== undefined ? { operation: record.body.operation } : {}),
  };
}
