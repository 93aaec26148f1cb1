// Decorators below read design-time types; the polyfill must load before any class is defined.
import 'reflect-metadata';
import { ArrayMaxSize, ArrayMinSize, ArrayUnique, IsArray, IsIn } from 'class-validator';
import {
  CONVEYANCES,
  DETECTION_METHODS,
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
  Optional,
  Prose,
  Reference,
  Text,
  Nested,
} from '../validation/field.validators';
import { AudienceField } from './record-audience';

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

  @AudienceField.handling()
  handling!: HandlingCode;

  @AudienceField.operation()
  operation?: string;

  @AudienceField.recipients()
  recipients?: string[];

  @AudienceField.excludeOrganizations()
  excludeOrganizations?: string[];

  @AudienceField.excludeCountries()
  excludeCountries?: string[];
}
