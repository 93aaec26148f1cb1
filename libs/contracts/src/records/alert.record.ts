// Decorators below read design-time types; the polyfill must load before any class is defined.
import 'reflect-metadata';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsIn, Matches } from 'class-validator';
import { ISO_DURATION_PATTERN } from '../feedback/iso-duration';
import {
  ALERT_KINDS,
  CONVEYANCES,
  SEVERITIES,
  type AlertKind,
  type Conveyance,
  type HandlingCode,
  type Severity,
} from './record.enums';
import { Commodity, ConsignmentIdentifier, Party, Route } from './consignment.records';
import { LIMITS } from './record.limits';
import {
  IsDateTime,
  IsIsoLanguageCode,
  Optional,
  Prose,
  Reference,
  Text,
  Nested,
} from '../validation/field.validators';
import { AudienceField } from './record-audience';

/** An alert as a national system submits it: the body of POST /v1/alerts and of alert events. */
export class Alert {
  /** The originator's own reference; unique per originator and fixed for the record's life. */
  @Reference()
  reference!: string;

  @Text(LIMITS.title)
  title!: string;

  @Prose(LIMITS.longText)
  summary!: string;

  @IsIn(SEVERITIES)
  severity!: Severity;

  @IsIn(ALERT_KINDS)
  kind!: AlertKind;

  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(LIMITS.commodities)
  @Nested(() => Commodity, { each: true })
  commodities!: Commodity[];

  /** Entity and modus-operandi alerts often have no single route. */
  @Optional()
  @Nested(() => Route)
  route?: Route;

  @Optional()
  @IsIn(CONVEYANCES)
  conveyance?: Conveyance;

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

  @Optional()
  @IsDateTime()
  validUntil?: string;

  /**
   * How long the addressees (the members on the route who may read the alert) have to acknowledge
   * it, as an ISO 8601 duration in weeks, days, hours, minutes or seconds (`PT24H`, `P3D`). Left
   * out, the hub's default for the severity applies; silent addressees are escalated once it runs out.
   */
  @Optional()
  @Matches(ISO_DURATION_PATTERN, { message: '$property must be an ISO 8601 duration such as PT24H or P3D' })
  acknowledgeWithin?: string;

  /** Language of title and summary, ISO 639-1. */
  @IsIsoLanguageCode()
  language!: string;
}
