import { plainToInstance } from 'class-transformer';
import { validateSync, type ValidationError } from 'class-validator';
import { Alert } from './alert.record';
import { PublishedAlert, PublishedSeizureNotice, type PublishedRecord } from './published-record.record';
import { FIELD_CONSTRAINTS } from './record-field.validators';
import type { RecordType } from './record.enums';
import { AlertUpdate, SeizureNoticeUpdate } from './record-update.record';
import { SeizureNotice } from './seizure-notice.record';

/** One bad field: `field` is a path such as `commodities[0].hsCode` or `route.origin`; '' is the body itself. */
export interface FieldViolation {
  field: string;
  reason: string;
}

export type ValidationResult<T> = { ok: true; value: T } | { ok: false; violations: FieldViolation[] };

export type RecordBody = Alert | SeizureNotice;

const RECORD_CLASSES = { alert: Alert, seizure: SeizureNotice } as const;
const PATCH_CLASSES = { alert: AlertUpdate, seizure: SeizureNoticeUpdate } as const;
const PUBLISHED_CLASSES = { alert: PublishedAlert, seizure: PublishedSeizureNotice } as const;

const VALIDATOR_OPTIONS = {
  whitelist: true,
  forbidNonWhitelisted: true,
  forbidUnknownValues: true,
  validationError: { target: false, value: true },
} as const;

/** Deeper than any record shape (body, commodities, commodity, estimatedValue) with room to spare. */
const MAX_DEPTH = 10;

/** Keys that reach prototypes when copied with plain assignment, as class-transformer does. */
const FORBIDDEN_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

function childPath(parent: string, key: string | number): string {
  if (typeof key === 'number') return `${parent}[${key}]`;
  return parent === '' ? key : `${parent}.${key}`;
}

function isPlainObject(value: object): boolean {
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

/**
 * A fresh JSON copy of the body, so validation never runs on getters, class instances or
 * prototype tricks, and what is returned as `value` is exactly what was checked.
 */
function toJson(
  value: unknown,
  path: string,
  depth: number,
  violations: FieldViolation[],
): JsonValue | undefined {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') {
    if (Number.isFinite(value)) return value;
    violations.push({ field: path, reason: 'must be a finite number' });
    return undefined;
  }
  if (typeof value !== 'object') {
    violations.push({ field: path, reason: 'must be a JSON value' });
    return undefined;
  }
  if (depth > MAX_DEPTH) {
    violations.push({ field: path, reason: `must not nest deeper than ${MAX_DEPTH} levels` });
    return undefined;
  }
  if (Array.isArray(value)) {
    return value.map((item, index) => toJson(item, childPath(path, index), depth + 1, violations) ?? null);
  }
  if (!isPlainObject(value)) {
    violations.push({ field: path, reason: 'must be a JSON value' });
    return undefined;
  }
  const copy: { [key: string]: JsonValue } = {};
  for (const key of Object.keys(value)) {
    if (FORBIDDEN_KEYS.has(key)) {
      violations.push({ field: childPath(path, key), reason: 'is not allowed' });
      continue;
    }
    const item = toJson((value as Record<string, unknown>)[key], childPath(path, key), depth + 1, violations);
    if (item !== undefined) copy[key] = item;
  }
  return copy;
}

/** Type faults hide the length, range and format faults that follow from them. */
const TYPE_CONSTRAINTS: ReadonlySet<string> = new Set(['isString', 'isNumber', 'isInt']);

/** Rules whose message explains a missing value better than 'is required'. */
const EXPLAINS_ABSENCE: ReadonlySet<string> = new Set([FIELD_CONSTRAINTS.recipientsFitHandling]);

function reasonOf(error: ValidationError, name: string): string {
  const message = (error.constraints ?? {})[name];
  const property = error.property;
  if (message.startsWith(`${property} `)) return message.slice(property.length + 1);
  if (message.startsWith(`each value in ${property} `))
    return `each value ${message.slice(`each value in ${property} `.length)}`;
  return message;
}

/** One clear reason per fault: a missing or mistyped value explains the rest of its failures. */
function reasonsOf(error: ValidationError): string[] {
  const names = Object.keys(error.constraints ?? {});
  if (names.includes('whitelistValidation')) return ['is not allowed'];
  if (error.value === undefined) {
    const explaining = names.filter((name) => EXPLAINS_ABSENCE.has(name));
    return explaining.length > 0 ? explaining.map((name) => reasonOf(error, name)) : ['is required'];
  }
  if (error.value === null) return ['must not be null'];
  if (names.includes('isArray')) return ['must be an array'];
  if (names.includes('nestedValidation')) return ['must be an object'];
  const typeFaults = names.filter((name) => TYPE_CONSTRAINTS.has(name));
  return (typeFaults.length > 0 ? typeFaults : names).map((name) => reasonOf(error, name));
}

function collectViolations(
  errors: readonly ValidationError[],
  parent: string,
  parentIsArray: boolean,
  out: FieldViolation[],
): void {
  for (const error of errors) {
    const path = parentIsArray
      ? childPath(parent, Number(error.property))
      : childPath(parent, error.property);
    const constraints = error.constraints ?? {};
    for (const reason of error.constraints ? reasonsOf(error) : []) out.push({ field: path, reason });
    // Inside a value of the wrong shape, further faults are noise.
    const wrongShape = 'isArray' in constraints || 'nestedValidation' in constraints;
    if (!wrongShape && error.children && error.children.length > 0) {
      collectViolations(error.children, path, Array.isArray(error.value), out);
    }
  }
}

function dedupe(violations: readonly FieldViolation[]): FieldViolation[] {
  const seen = new Set<string>();
  return violations.filter((violation) => {
    const key = `${violation.field}\u0000${violation.reason}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** Validates a body against any decorated shape of the standard (internal; not re-exported). */
export function validateAgainst<T>(shape: new () => object, body: unknown): ValidationResult<T> {
  const violations: FieldViolation[] = [];
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return { ok: false, violations: [{ field: '', reason: 'must be a JSON object' }] };
  }
  const json = toJson(body, '', 0, violations);
  if (json === undefined || json === null || typeof json !== 'object' || Array.isArray(json)) {
    return { ok: false, violations: dedupe(violations) };
  }
  // No implicit conversion: a number where a string is expected stays a number and fails.
  const instance = plainToInstance(shape, json, { enableImplicitConversion: false });
  collectViolations(validateSync(instance, VALIDATOR_OPTIONS), '', false, violations);
  if (violations.length > 0) return { ok: false, violations: dedupe(violations) };
  return { ok: true, value: json as T };
}

function shapeFor(
  classes: Readonly<Record<RecordType, new () => object>>,
  type: RecordType,
): new () => object {
  if (!Object.prototype.hasOwnProperty.call(classes, type))
    throw new TypeError(`unknown record type: ${String(type)}`);
  return classes[type];
}

/**
 * Validates a submitted record (POST body). On success `value` is a fresh plain JSON object equal
 * to the input: nothing is coerced, defaulted or dropped (absent optional fields stay absent), and
 * it is what gets stored and published. On failure every bad field is listed.
 */
export function validateRecord(type: 'alert', body: unknown): ValidationResult<Alert>;
export function validateRecord(type: 'seizure', body: unknown): ValidationResult<SeizureNotice>;
export function validateRecord(type: RecordType, body: unknown): ValidationResult<RecordBody>;
export function validateRecord(type: RecordType, body: unknown): ValidationResult<RecordBody> {
  return validateAgainst<RecordBody>(shapeFor(RECORD_CLASSES, type), body);
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
    const violations = result.violations.map((violation) =>
      violation.field === 'reference' ? { field: 'reference', reason: 'cannot be changed' } : violation,
    );
    return { ok: false, violations };
  }
  if (Object.keys(result.value).length === 0) {
    return { ok: false, violations: [{ field: '', reason: 'must change at least one field' }] };
  }
  return result;
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
