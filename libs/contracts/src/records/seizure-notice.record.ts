// Decorators below read design-time types; the polyfill must load before any class is defined.
import 'reflect-metadata';
import { ArrayMaxSize, ArrayMinSize, ArrayUnique, IsArray, IsIn } from 'class-validator';
import {
  CONVEYANCES,
  DETECTION_METHODS,
  HANDLING_CODES,
  LOCATION_TYPES,
  type Conveyance,
  type DetectionMethod,
  type HandlingCode,
  type LocationType,
} from './record.enums';
import { ConsignmentIdentifier, Party, Route, SeizedCommodity } from './consignment.records';
import { LIMITS } from './record.limits';
import {
  IsDateTime,
  IsIsoCountryCode,
  IsNotInFuture,
  IsOrganizationCode,
  Optional,
  Prose,
  RecipientsFitHandling,
  Reference,
  Text,
  Nested,
  OperationFitsHandling,
} from '../validation/field.validators';
import { OperationCode } from '../operations/operation.contract';

/** A seizure as a national system reports it (the CEN/nCEN shape, non-nominal). */
export class SeizureNotice {
  @Reference()
  reference!: string;

  @IsDateTime()
  @IsNotInFuture()
  seizedAt!: string;

  /** Country where the goods were seized. */
  @IsIsoCountryCode()
  country!: string;

  /** Office name or national office code. */
  @Text(LIMITS.shortText)
  customsOffice!: string;

  @IsIn(LOCATION_TYPES)
  locationType!: LocationType;

  @IsIn(DETECTION_METHODS)
  detectionMethod!: DetectionMethod;

  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(LIMITS.commodities)
  @Nested(() => SeizedCommodity, { each: true })
  commodities!: SeizedCommodity[];

  @Optional()
  @Prose(LIMITS.concealment)
  concealment?: string;

  @IsIn(CONVEYANCES)
  conveyance!: Conveyance;

  /** Often only partly known at seizure time; absent rather than guessed. */
  @Optional()
  @Nested(() => Route)
  route?: Route;

  @Optional()
  @IsArray()
  @ArrayMaxSize(LIMITS.entities)
  @Nested(() => Party, { each: true })
  entities?: Party[];

  @Optional()
  @IsArray()
  @ArrayMaxSize(LIMITS.identifiers)
  @Nested(() => ConsignmentIdentifier, { each: true })
  identifiers?: ConsignmentIdentifier[];

  /** References or hub ids of the alerts that led to the seizure. */
  @Optional()
  @IsArray()
  @ArrayMaxSize(LIMITS.relatedAlerts)
  @ArrayUnique()
  @Reference({ each: true })
  relatedAlerts?: string[];

  @Optional()
  @Prose(LIMITS.longText)
  narrative?: string;

  @IsIn(HANDLING_CODES)
  handling!: HandlingCode;

  /**
   * The joint operation the record belongs to (its code); the originator must take part in it and
   * it must be active. Fixed for the record's life. With handling 'operation', only the
   * operation's participants and observers, the Secretariat and the originator read it.
   */
  @OperationFitsHandling()
  @OperationCode()
  operation?: string;

  @RecipientsFitHandling()
  @IsArray()
  @ArrayMaxSize(LIMITS.recipients)
  @ArrayUnique()
  @IsOrganizationCode({ each: true })
  recipients?: string[];

  /**
   * Tip-off protection: organizations that must never see the record, on any channel, even where
   * its handling would admit them (the WCO Secretariat still does; the originator cannot name itself).
   */
  @Optional()
  @IsArray()
  @ArrayMaxSize(LIMITS.excludeOrganizations)
  @ArrayUnique()
  @IsOrganizationCode({ each: true })
  excludeOrganizations?: string[];

  /**
   * Tip-off protection by country: no organization registered in these countries sees the record
   * (a RILO has no country: name it in excludeOrganizations). Also keeps the record off the
   * regional streams of their regions.
   */
  @Optional()
  @IsArray()
  @ArrayMaxSize(LIMITS.excludeCountries)
  @ArrayUnique()
  @IsIsoCountryCode({ each: true })
  excludeCountries?: string[];
}
