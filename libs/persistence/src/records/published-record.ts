import type { PublishedRecord } from '@hub/contracts';
import type { IntelligenceRecordEntity } from '../entities/intelligence-record.entity';

/** The record as the hub shows and publishes it: the submitted body plus the fields the hub owns. */
export function publishedRecord(entity: IntelligenceRecordEntity): PublishedRecord {
  return {
    ...entity.body,
    id: entity.id,
    type: entity.type,
    version: entity.version,
    status: entity.status,
    originator: entity.originatorCode,
    regions: entity.regions,
    countries: entity.countries,
    createdAt: entity.createdAt.toISOString(),
    updatedAt: entity.updatedAt.toISOString(),
    ...(entity.withdrawnAt ? { withdrawnAt: entity.withdrawnAt.toISOString() } : {}),
  } as PublishedRecord;
}
