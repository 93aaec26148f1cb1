// Decorators below read design-time types; the polyfill must load before any class is defined.
import 'reflect-metadata';
import { ArrayMaxSize, ArrayMinSize, ArrayUnique, IsArray, IsIn } from 'class-validator';
import { RECORD_TYPES, SEVERITIES, type RecordType, type Severity } from '../records/record.enums';
import { LIMITS } from '../records/record.limits';
import { STRATEGIC_CATEGORIES, type StrategicCategory } from '../taxonomy/strategic-category.taxonomy';
import { WCO_REGIONS, type RegionCode } from '../taxonomy/wco-region.taxonomy';
import { NOTICE_KINDS, type NoticeKind } from '../events/hub-event.constants';

/** What `types` may name: record types, and the notices (feedback, escalation) asked for by name only. */
export const SUBSCRIPTION_EVENT_KINDS = [...RECORD_TYPES, ...NOTICE_KINDS] as const;
import { IsHsPrefix, IsIsoCountryCode, Optional } from '../validation/field.validators';
import { OperationCode } from '../operations/operation.contract';

/**
 * A list criterion: absent means any value; present, it must be non-empty (an empty list would
 * read as "nothing" to some and "anything" to others), hold each value once and stay bounded.
 */
function Criterion(maxItems: number): PropertyDecorator {
  return (target: object, property: string | symbol): void => {
    Optional()(target, property);
    IsArray()(target, property);
    ArrayMinSize(1)(target, property);
    ArrayMaxSize(maxItems)(target, property);
    ArrayUnique()(target, property);
  };
}

/**
 * Which events a subscription wants. A field left out means any value; the fields present must
 * all match (AND); within one field, any listed value matches (OR). An empty filter matches every
 * event. Whatever the filter says, an organization only ever receives records it may read.
 */
export class SubscriptionFilter {
  /**
   * Record types, and `feedback` (the `alert.feedback` notices on the subscriber's own alerts) or
   * `escalation` (`alert.unacknowledged`, for originators and RILOs): a filter receives notices
   * only when it names them, and its other criteria then apply to the alert concerned.
   */
  @Criterion(SUBSCRIPTION_EVENT_KINDS.length)
  @IsIn(SUBSCRIPTION_EVENT_KINDS, { each: true })
  types?: (RecordType | NoticeKind)[];

  /** Matches when the event concerns one of these WCO regions. */
  @Criterion(WCO_REGIONS.length)
  @IsIn(WCO_REGIONS, { each: true })
  regions?: RegionCode[];

  /** Matches when the event concerns one of these countries (ISO 3166-1 alpha-2). */
  @Criterion(LIMITS.filterCountries)
  @IsIsoCountryCode({ each: true })
  countries?: string[];

  /** Matches when an HS code of a commodity starts with one of these chapters, headings or longer prefixes. */
  @Criterion(LIMITS.filterHsPrefixes)
  @IsHsPrefix({ each: true })
  hsPrefixes?: string[];

  /** Matches when a commodity falls in one of these strategic categories. */
  @Criterion(STRATEGIC_CATEGORIES.length)
  @IsIn(STRATEGIC_CATEGORIES, { each: true })
  categories?: StrategicCategory[];

  /** Alerts of at least this severity; seizure notices carry no severity and always pass it. */
  @Optional()
  @IsIn(SEVERITIES)
  minSeverity?: Severity;

  // --- operations (issue 15) ---
  /** Matches the records of one of these joint operations (by code); records of no operation never match. */
  @Criterion(LIMITS.filterOperations)
  @OperationCode({ each: true })
  operations?: string[];
}
