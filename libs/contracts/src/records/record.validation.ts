import { getMetadataStorage } from 'class-validator';
import { Alert } from './alert.record';
import {
  PublishedAlert,
  PublishedRecordFields,
  PublishedSeizureNotice,
  type PublishedRecord,
} from './published-record.record';
import {
  requireSomeField,
  validateAgainst,
  type FieldViolation,
  type ValidationResult,
} from '../validation/shape.validation';
import type { RecordType } from './record.enums';
import { AlertUpdate, SeizureNoticeUpdate } from './record-update.record';
import { SeizureNotice } from './seizure-notice.record';

export type RecordBody = Alert | SeizureNotice;

const RECORD_CLASSES = { alert: Alert, seizure: SeizureNotice } as const;
const PATCH_CLASSES = { alert: AlertUpdate, seizure: SeizureNoticeUpdate } as const;
const PUBLISHED_CLASSES = { alert: PublishedAlert, seizure: PublishedSeizureNotice } as const;

function shapeFor(
  classes: Readonly<Record<RecordType, new () => object>>,
  type: RecordType,
): new () => object {
  if (!Object.prototype.hasOwnProperty.call(classes, type))
    throw new TypeError(`unknown record type: ${String(type)}`);
  return classes[type];
}

/**
 * Bodies validateRecord accepted in this process (its own fresh copies, which nothing else holds
 * until it returns): a published record made of one of them needs only the hub's fields checked.
 */
const VALIDATED_BODIES = new WeakMap<object, RecordType>();

/** The fields of a published record that the hub sets; the rest is the submitted body. */
const HUB_FIELDS: readonly string[] = [
  ...new Set(
    getMetadataStorage()
      .getTargetValidationMetadatas(PublishedRecordFields, '', true, false)
      .map((meta) => meta.propertyName),
  ),
];
const HUB_FIELD_SET: ReadonlySet<string> = new Set(HUB_FIELDS);

/**
 * Validates a submitted record (POST body). On success `value` is a fresh plain JSON object equal
 * to the input: nothing is coerced, defaulted or dropped (absent optional fields stay absent), and
 * it is what gets stored and published. On failure every bad field is listed.
 */
export function validateRecord(type: 'alert', body: unknown): ValidationResult<Alert>;
export function validateRecord(type: 'seizure', body: unknown): ValidationResult<SeizureNotice>;
export function validateRecord(type: RecordType, body: unknown): ValidationResult<RecordBody>;
export function validateRecord(type: RecordType, body: unknown): ValidationResult<RecordBody> {
  const result = validateAgainst<RecordBody>(shapeFor(RECORD_CLASSES, type), body);
  if (result.ok) VALIDATED_BODIES.set(result.value, type);
  return result;
}

/**
 * Validates a published record made of `body`, a value validateRecord accepted: when the record
 * holds exactly that body's fields (the same values) plus the hub's, and is of the type the body
 * was validated as, the body's rules already passed and only the hub's fields are checked: a
 * write does not validate its whole record twice. Anything else gets the full validatePublishedRecord.
 */
export function validatePublishedRecordOf(body: object, record: unknown): ValidationResult<PublishedRecord> {
  if (typeof record !== 'object' || record === null) return validatePublishedRecord(record);
  const fields = record as Record<string, unknown>;
  if (VALIDATED_BODIES.get(body) !== fields.type) return validatePublishedRecord(record);
  const source = body as Record<string, unknown>;
  for (const key of Object.keys(fields)) {
    if (!HUB_FIELD_SET.has(key) && fields[key] !== source[key]) return validatePublishedRecord(record);
  }
  for (const key of Object.keys(source)) {
    if (HUB_FIELD_SET.has(key) || !(key in fields)) return validatePublishedRecord(record);
  }
  const hub: Record<string, unknown> = {};
  for (const key of HUB_FIELDS) if (key in fields) hub[key] = fields[key];
  const checked = validateAgainst<PublishedRecordFields>(PublishedRecordFields, hub);
  return checked.ok ? { ok: true, value: record as PublishedRecord } : checked;
}

/** Validates a PATCH body on its own; the merged record is checked by mergeRecordPatch. */
export function validatePatch(type: 'alert', body: unknown): ValidationResult<AlertUpdate>;
export function validatePatch(type: 'seizure', body: unknown): ValidationResult<SeizureNoticeUpdate>;
export function validatePatch(
  type: RecordType,
  body: unknown,
): ValidationResult<AlertUpdate | SeizureNoticeUpdate>;
export function validatePatch(
  type: RecordType,
  body: unknown,
): ValidationResult<AlertUpdate | SeizureNoticeUpdate> {
  const result = validateAgainst<AlertUpdate | SeizureNoticeUpdate>(shapeFor(PATCH_CLASSES, type), body);
  if (!result.ok) {
    const violations = result.violations.map((violation): FieldViolation =>
      violation.field === 'reference' ? { field: 'reference', reason: 'cannot be changed' } : violation,
    );
    return { ok: false, violations };
  }
  return requireSomeField(result);
}

/**
 * The body of the next version of a record: top-level fields of the patch replace the current
 * ones, null removes one, `reference` always stays. The result is NOT validated: pass it to
 * validateRecord, which refuses a merge that leaves the record inconsistent (say, handling
 * 'restricted' without recipients, or a required field removed).
 */
export function mergeRecordPatch(
  type: RecordType,
  current: RecordBody | Readonly<Record<string, unknown>>,
  patch: AlertUpdate | SeizureNoticeUpdate,
): Record<string, unknown> {
  shapeFor(RECORD_CLASSES, type);
  const merged: Record<string, unknown> = { ...current };
  for (const [key, value] of Object.entries(patch)) {
    if (key === 'reference' || value === undefined) continue;
    if (value === null) delete merged[key];
    else merged[key] = value;
  }
  return merged;
}

/** Validates a stored or received record with its hub fields (consumers, decodeKafkaMessage). */
export function validatePublishedRecord(body: unknown): ValidationResult<PublishedRecord> {
  const type = typeof body === 'object' && body !== null ? (body as { type?: unknown }).type : undefined;
  if (type !== 'alert' && type !== 'seizure') {
    return { ok: false, violations: [{ field: 'type', reason: "must be 'alert' or 'seizure'" }] };
  }
  return validateAgainst<PublishedRecord>(PUBLISHED_CLASSES[type], body);
}
