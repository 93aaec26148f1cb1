// Decorators below read design-time types; the polyfill must load before any class is defined.
import 'reflect-metadata';
import { ArrayMaxSize, ArrayMinSize, ArrayUnique, IsArray, IsIn, Matches } from 'class-validator';
import type { RecordType } from '../records/record.enums';
import { LIMITS } from '../records/record.limits';
import { STRATEGIC_CATEGORIES, type StrategicCategory } from '../taxonomy/strategic-category.taxonomy';
import { WCO_REGIONS, type RegionCode } from '../taxonomy/wco-region.taxonomy';
import {
  IsDateTime,
  IsHsPrefix,
  IsOrganizationCode,
  Nested,
  Optional,
  Prose,
  Text,
} from '../validation/field.validators';

/**
 * Operation codes as the secretariat names them (`COSMO-3`): letters, digits and hyphens, kept as
 * typed. They appear in URLs, subscription filters and the `operation` CloudEvent attribute.
 */
export const OPERATION_CODE_PATTERN = /^[A-Za-z0-9][A-Za-z0-9-]{1,39}$/;

/** A coordinator reads as a participant does and may also edit the phases; an observer reads only. */
export const OPERATION_ROLES = ['coordinator', 'participant', 'observer'] as const;
export type OperationRole = (typeof OPERATION_ROLES)[number];

/** Derived, never stored: planned before the period, active within it, closed after it or once closed. */
export const OPERATION_STATUSES = ['planned', 'active', 'closed'] as const;
export type OperationStatus = (typeof OPERATION_STATUSES)[number];

/**
 * Fields an operation's template may make mandatory, with the record types that have them (a
 * field a type lacks is not asked of it). `commodities[].x` means on every commodity line.
 */
export const OPERATION_TEMPLATE_FIELDS = {
  'commodities[].controlListRef': ['alert', 'seizure'],
  'commodities[].estimatedValue': ['seizure'],
  detectionMethod: ['seizure'],
  concealment: ['seizure'],
  conveyance: ['alert', 'seizure'],
  route: ['alert', 'seizure'],
  entities: ['alert', 'seizure'],
  identifiers: ['alert', 'seizure'],
  relatedAlerts: ['seizure'],
  narrative: ['seizure'],
  validUntil: ['alert'],
} as const satisfies Record<string, readonly RecordType[]>;
export type OperationTemplateField = keyof typeof OPERATION_TEMPLATE_FIELDS;
const TEMPLATE_FIELD_NAMES = Object.keys(OPERATION_TEMPLATE_FIELDS) as OperationTemplateField[];

export const OPERATION_LIMITS = {
  name: 200,
  description: 2_000,
  phases: 20,
  participants: 500,
} as const;

export function OperationCode(options: { each?: boolean } = {}): PropertyDecorator {
  return Matches(OPERATION_CODE_PATTERN, {
    ...options,
    message: '$property must be an operation code (2-40 letters, digits or hyphens)',
  });
}

export class OperationPeriod {
  @IsDateTime()
  start!: string;

  /** After start. */
  @IsDateTime()
  end!: string;
}

export class OperationPhase {
  @Text(OPERATION_LIMITS.name)
  name!: string;

  /** Within the operation's period. */
  @IsDateTime()
  start!: string;

  @IsDateTime()
  end!: string;
}

export class OperationParticipant {
  /** A registered organization. */
  @IsOrganizationCode()
  organization!: string;

  @IsIn(OPERATION_ROLES)
  role!: OperationRole;
}

/** What the operation is about; descriptive (records are tagged to an operation by their originator). */
export class OperationScope {
  @Optional()
  @IsArray()
  @ArrayUnique()
  @ArrayMaxSize(STRATEGIC_CATEGORIES.length)
  @IsIn(STRATEGIC_CATEGORIES, { each: true })
  categories?: StrategicCategory[];

  @Optional()
  @IsArray()
  @ArrayUnique()
  @ArrayMaxSize(LIMITS.filterHsPrefixes)
  @IsHsPrefix({ each: true })
  hsPrefixes?: string[];

  @Optional()
  @IsArray()
  @ArrayUnique()
  @ArrayMaxSize(WCO_REGIONS.length)
  @IsIn(WCO_REGIONS, { each: true })
  regions?: RegionCode[];
}

/** The operation's form: fields its records must fill beyond what the standard requires. */
export class OperationTemplate {
  @IsArray()
  @ArrayUnique()
  @ArrayMaxSize(TEMPLATE_FIELD_NAMES.length)
  @IsIn(TEMPLATE_FIELD_NAMES, { each: true })
  required!: OperationTemplateField[];
}

/** POST /v1/operations (the secretariat). */
export class NewOperation {
  @OperationCode()
  code!: string;

  @Text(OPERATION_LIMITS.name)
  name!: string;

  @Prose(OPERATION_LIMITS.description)
  description!: string;

  @Nested(() => OperationPeriod)
  period!: OperationPeriod;

  @IsArray()
  @ArrayMaxSize(OPERATION_LIMITS.phases)
  @Nested(() => OperationPhase, { each: true })
  phases!: OperationPhase[];

  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(OPERATION_LIMITS.participants)
  @Nested(() => OperationParticipant, { each: true })
  participants!: OperationParticipant[];

  @Optional()
  @Nested(() => OperationScope)
  scope?: OperationScope;

  @Optional()
  @Nested(() => OperationTemplate)
  template?: OperationTemplate;
}

/**
 * PATCH /v1/operations/{code}. The secretariat may rename, add and remove participants and extend
 * the period (`periodEnd`, never earlier); the secretariat and the operation's coordinators may
 * replace the phases. Removing a participant stops everything new for it at once; nothing already
 * delivered is recalled.
 */
export class OperationUpdate {
  @Optional()
  @Text(OPERATION_LIMITS.name)
  name?: string;

  @Optional()
  @Prose(OPERATION_LIMITS.description)
  description?: string;

  @Optional()
  @IsDateTime()
  periodEnd?: string;

  @Optional()
  @IsArray()
  @ArrayMaxSize(OPERATION_LIMITS.phases)
  @Nested(() => OperationPhase, { each: true })
  phases?: OperationPhase[];

  @Optional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(OPERATION_LIMITS.participants)
  @Nested(() => OperationParticipant, { each: true })
  addParticipants?: OperationParticipant[];

  @Optional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(OPERATION_LIMITS.participants)
  @ArrayUnique()
  @IsOrganizationCode({ each: true })
  removeParticipants?: string[];
}

/** An operation as the hub answers it. */
export interface OperationView {
  code: string;
  name: string;
  description: string;
  period: { start: string; end: string };
  phases: { name: string; start: string; end: string }[];
  participants: { organization: string; role: OperationRole }[];
  scope?: { categories?: StrategicCategory[]; hsPrefixes?: string[]; regions?: RegionCode[] };
  template?: { required: OperationTemplateField[] };
  status: OperationStatus;
  createdAt: string;
  updatedAt: string;
  closedAt: string | null;
}

/** The status at `now`: closed once closed or past its end, active within the period, else planned. */
export function operationStatus(
  operation: { period: { start: string; end: string }; closedAt: string | Date | null },
  now: Date,
): OperationStatus {
  if (operation.closedAt !== null) return 'closed';
  const at = now.getTime();
  if (at >= Date.parse(operation.period.end)) return 'closed';
  if (at >= Date.parse(operation.period.start)) return 'active';
  return 'planned';
}
