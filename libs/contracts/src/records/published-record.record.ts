// Decorators below read design-time types; the polyfill must load before any class is defined.
import 'reflect-metadata';
import { ArrayMaxSize, ArrayUnique, IsArray, IsIn, IsInt, Max, Min } from 'class-validator';
import { WCO_REGIONS, type RegionCode } from '../taxonomy/wco-region.taxonomy';
import { Alert } from './alert.record';
import { deriveClass } from './derived-class.factory';
import { RECORD_STATUSES, RECORD_TYPES, type RecordStatus, type RecordType } from './record.enums';
import {
  IsDateTime,
  IsIsoCountryCode,
  IsOrganizationCode,
  Optional,
  Reference,
} from '../validation/field.validators';
import { SeizureNotice } from './seizure-notice.record';

/** Fields the hub sets; a national system never sends them (the record classes do not allow them). */
export class PublishedRecordFields {
  /** Hub id of the record; stays the same across versions. */
  @Reference()
  id!: string;

  @IsIn(RECORD_TYPES)
  type!: RecordType;

  /** 1 on publication, +1 per update or withdrawal. */
  @IsInt()
  @Min(1)
  @Max(1_000_000)
  version!: number;

  @IsIn(RECORD_STATUSES)
  status!: RecordStatus;

  /** Organization code of the publisher, taken from its credentials. */
  @IsOrganizationCode()
  originator!: string;

  /** Computed by the hub (concernedRegions), never taken from the submitter. */
  @IsArray()
  @ArrayMaxSize(WCO_REGIONS.length)
  @ArrayUnique()
  @IsIn(WCO_REGIONS, { each: true })
  regions!: RegionCode[];

  /** Computed by the hub (concernedCountries). */
  @IsArray()
  @ArrayMaxSize(250)
  @ArrayUnique()
  @IsIsoCountryCode({ each: true })
  countries!: string[];

  @IsDateTime()
  createdAt!: string;

  @IsDateTime()
  updatedAt!: string;

  @Optional()
  @IsDateTime()
  withdrawnAt?: string;
}

export type PublishedAlert = Alert & PublishedRecordFields & { type: 'alert' };
export const PublishedAlert = deriveClass<PublishedAlert>('PublishedAlert', [
  { from: Alert },
  { from: PublishedRecordFields },
]);

export type PublishedSeizureNotice = SeizureNotice & PublishedRecordFields & { type: 'seizure' };
export const PublishedSeizureNotice = deriveClass<PublishedSeizureNotice>('PublishedSeizureNotice', [
  { from: SeizureNotice },
  { from: PublishedRecordFields },
]);

/** What is stored, served by the API and carried as `data` of every event: body + hub fields. */
export type PublishedRecord = PublishedAlert | PublishedSeizureNotice;
