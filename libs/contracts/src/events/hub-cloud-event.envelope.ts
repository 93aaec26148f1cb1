// Decorators below read design-time types; the polyfill must load before any class is defined.
import 'reflect-metadata';
import { IsIn, IsInt, Matches, Max, Min } from 'class-validator';
import { PUBLISHED_ATTRIBUTE_LIMITS } from '../records/record.limits';
import { HANDLING_CODES, type HandlingCode } from '../records/record.enums';
import type { PublishedRecord } from '../records/published-record.record';
import { IsDateTime, IsOrganizationCode, Optional, Reference, Text } from '../validation/field.validators';
import { validatePublishedRecord, validatePublishedRecordOf } from '../records/record.validation';
import { validateAgainst, type FieldViolation } from '../validation/shape.validation';
import { routingFacts } from '../routing/record-audience.routing';
import { OperationCode } from '../operations/operation.contract';
import { STRATEGIC_CATEGORIES } from '../taxonomy/strategic-category.taxonomy';
import { WCO_REGIONS } from '../taxonomy/wco-region.taxonomy';
import {
  HUB_EVENT_TYPES,
  isWithdrawalEvent,
  recordTypeOfEvent,
  type HubEventType,
} from './hub-event.constants';

/**
 * A CloudEvents 1.0 event of the hub. The extension attributes repeat routing facts of `data` so a
 * router can filter on headers without parsing bodies; list values are comma-joined because
 * CloudEvents attributes are scalars, and names are lowercase alphanumeric as the spec requires.
 */
export interface HubCloudEvent<T = unknown> {
  specversion: '1.0';
  id: string;
  source: string;
  type: HubEventType;
  /** Hub id of the record. */
  subject: string;
  time: string;
  datacontenttype: 'application/json';
  dataschema?: string;
  /** WCO regions of the record, comma-joined ('' when none). */
  regions: string;
  countries: string;
  hscodes: string;
  categories: string;
  handling: HandlingCode;
  originator: string;
  recordversion: number;
  /** The joint operation the record belongs to (`ce_operation`); absent for a record of none. */
  operation?: string;
  data: T;
}

/** Extension attributes, in the order they are written to headers. */
export const EXTENSION_ATTRIBUTES = [
  'regions',
  'countries',
  'hscodes',
  'categories',
  'handling',
  'originator',
  'recordversion',
  'operation',
] as const satisfies readonly (keyof HubCloudEvent)[];

export type EnvelopeErrorReason =
  'unsupported-content-type' | 'malformed' | 'invalid-attributes' | 'invalid-data' | 'inconsistent';

/** Thrown for an event that must not reach domain code; consumers send it to a dead-letter topic. */
export class EnvelopeError extends Error {
  override readonly name = 'EnvelopeError';

  constructor(
    readonly reason: EnvelopeErrorReason,
    readonly violations: readonly FieldViolation[],
  ) {
    super(
      `${reason}: ${violations.map((violation) => `${violation.field || '(event)'} ${violation.reason}`).join('; ')}`,
    );
  }
}

const list = (item: string): RegExp => new RegExp(`^(?:${item}(?:,${item})*)?$`);
const alternatives = (values: readonly string[]): string => `(?:${values.join('|')})`;

/** The envelope without `data`: validates decoded headers and yields the envelope's JSON Schema. */
export class HubCloudEventAttributes {
  @IsIn(['1.0'])
  specversion!: '1.0';

  @Text(PUBLISHED_ATTRIBUTE_LIMITS.id)
  id!: string;

  /** URI-reference of the producer, e.g. /organizations/fr-douane. */
  @Text(PUBLISHED_ATTRIBUTE_LIMITS.uri)
  source!: string;

  @IsIn(HUB_EVENT_TYPES)
  type!: HubEventType;

  @Reference()
  subject!: string;

  @IsDateTime()
  time!: string;

  @IsIn(['application/json'])
  datacontenttype!: 'application/json';

  @Optional()
  @Text(PUBLISHED_ATTRIBUTE_LIMITS.uri)
  dataschema?: string;

  @Matches(list(alternatives(WCO_REGIONS)), { message: '$property must be comma-joined WCO region codes' })
  regions!: string;

  @Matches(list('[A-Z]{2}'), { message: '$property must be comma-joined ISO 3166-1 alpha-2 codes' })
  countries!: string;

  @Matches(list('[0-9]{6,10}'), { message: '$property must be comma-joined HS codes' })
  hscodes!: string;

  @Matches(list(alternatives(STRATEGIC_CATEGORIES)), {
    message: '$property must be comma-joined strategic categories',
  })
  categories!: string;

  @IsIn(HANDLING_CODES)
  handling!: HandlingCode;

  @IsOrganizationCode()
  originator!: string;

  @IsInt()
  @Min(1)
  @Max(1_000_000)
  recordversion!: number;

  @Optional()
  @OperationCode()
  operation?: string;
}

function consistencyViolations(event: HubCloudEvent<PublishedRecord>): FieldViolation[] {
  const record = event.data;
  const facts = routingFacts(record);
  const mirrored: [keyof HubCloudEvent, unknown, unknown][] = [
    ['type', recordTypeOfEvent(event.type), record.type],
    ['subject', event.subject, record.id],
    ['recordversion', event.recordversion, record.version],
    ['handling', event.handling, record.handling],
    ['originator', event.originator, record.originator],
    ['operation', event.operation, record.operation],
    ['regions', event.regions, record.regions.join(',')],
    ['countries', event.countries, record.countries.join(',')],
    ['hscodes', event.hscodes, facts.hsCodes.join(',')],
    ['categories', event.categories, facts.categories.join(',')],
  ];
  const violations = mirrored
    .filter(([, attribute, fromData]) => attribute !== fromData)
    .map(([field]): FieldViolation => ({ field, reason: 'does not match data' }));
  const status = isWithdrawalEvent(event.type) ? 'withdrawn' : 'active';
  if (record.status !== status)
    violations.push({ field: 'data.status', reason: `must be '${status}' for ${event.type}` });
  return violations;
}

/**
 * Checks an assembled or decoded event (any object): attributes, the record in `data` (as a full
 * PublishedRecord), and that the attributes say what `data` says; a router filtering on headers
 * must never see other facts than the record itself carries. `validatedBody`: see BuildCloudEventParams.
 */
export function assertValidHubEvent(
  event: { readonly data?: unknown },
  validatedBody?: object,
): HubCloudEvent<PublishedRecord> {
  const { data, ...attributes } = event;
  const checked = validateAgainst<Omit<HubCloudEvent, 'data'>>(HubCloudEventAttributes, attributes);
  if (!checked.ok) throw new EnvelopeError('invalid-attributes', checked.violations);
  const record =
    validatedBody === undefined
      ? validatePublishedRecord(data)
      : validatePublishedRecordOf(validatedBody, data);
  if (!record.ok) {
    throw new EnvelopeError(
      'invalid-data',
      record.violations.map((violation) => ({
        ...violation,
        field: violation.field
          ? `data${violation.field.startsWith('[') ? '' : '.'}${violation.field}`
          : 'data',
      })),
    );
  }
  const valid: HubCloudEvent<PublishedRecord> = { ...checked.value, data: record.value };
  const inconsistent = consistencyViolations(valid);
  if (inconsistent.length > 0) throw new EnvelopeError('inconsistent', inconsistent);
  return valid;
}

export interface BuildCloudEventParams {
  record: PublishedRecord;
  type: HubEventType;
  /** The originator under the hub's public URL: organizationSource(HUB_PUBLIC_URL, code). */
  source: string;
  /** Unique per event (consumers dedupe on it); the same id on every retry of one event. */
  id: string;
  time: string;
  /** The published JSON Schema of the record: recordDataSchema(HUB_PUBLIC_URL, type). */
  dataschema?: string;
  /**
   * The body, as validateRecord accepted it, that `record` was made of: its rules are not checked
   * a second time (see validatePublishedRecordOf).
   */
  validatedBody?: object;
}

/** The event for one record version; extension attributes come from the record, never from the caller. */
export function buildCloudEvent(params: BuildCloudEventParams): HubCloudEvent<PublishedRecord> {
  const { record } = params;
  const facts = routingFacts(record);
  const event: HubCloudEvent<PublishedRecord> = {
    specversion: '1.0',
    id: params.id,
    source: params.source,
    type: params.type,
    subject: record.id,
    time: params.time,
    datacontenttype: 'application/json',
    ...(params.dataschema === undefined ? {} : { dataschema: params.dataschema }),
    regions: record.regions.join(','),
    countries: record.countries.join(','),
    hscodes: facts.hsCodes.join(','),
    categories: facts.categories.join(','),
    handling: record.handling,
    originator: record.originator,
    recordversion: record.version,
    ...(record.operation === undefined ? {} : { operation: record.operation }),
    data: record,
  };
  // Fail in the producer's transaction rather than emit an event every consumer will refuse.
  return assertValidHubEvent(event, params.validatedBody);
}
