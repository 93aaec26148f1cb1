// Decorators below read design-time types; the polyfill must load before any class is defined.
import 'reflect-metadata';
import { ArrayMaxSize, ArrayMinSize, ArrayUnique, IsArray, IsIn, Matches } from 'class-validator';
import { ISO_DURATION_PATTERN } from '../feedback/iso-duration';
import {
  ALERT_KINDS,
  CONVEYANCES,
  HANDLING_CODES,
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
  IsOrganizationCode,
  IsIsoCountryCode,
  Optional,
  Prose,
  RecipientsFitHandling,
  Reference,
  Text,
  Nested,
  OperationFitsHandling,
} from '../validation/field.validators';
import { OperationCode } from '../operations/operation.contract';

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

  /** Organization codes; required and non-empty exactly when handling is 'restricted'. */
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
