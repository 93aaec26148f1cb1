import { plainToInstance } from 'class-transformer';
import { ValidationTypes, getMetadataStorage, validateSync, type ValidationError } from 'class-validator';
import { FIELD_CONSTRAINTS } from './field.validators';

// Validation of a JSON body against any decorated shape of the standard: records, updates,
// published records, the event envelope, subscriptions. One place decides how faults are named.

/** One bad field: `field` is a path such as `commodities[0].hsCode` or `route.origin`; '' is the body itself. */
export interface FieldViolation {
  field: string;
  reason: string;
}

export type ValidationResult<T> = { ok: true; value: T } | { ok: false; violations: FieldViolation[] };

const VALIDATOR_OPTIONS = {
  whitelist: true,
  forbidNonWhitelisted: true,
  forbidUnknownValues: true,
  // The target (the instance holding the field) lets a list fault be traced to its item; it never
  // leaves this module.
  validationError: { target: true, value: true },
} as const;

/** Deeper than any shape of the standard (body, commodities, commodity, estimatedValue) with room to spare. */
const MAX_DEPTH = 10;

/**
 * Keys that reach prototypes when copied with plain assignment, as class-transformer does, and
 * the other names of Object.prototype members: class-validator's whitelist looks property names
 * up in a plain object, so it takes `hasOwnProperty` or `toString` for declared properties and
 * would let them through.
 */
const FORBIDDEN_KEYS: ReadonlySet<string> = new Set([
  ...Object.getOwnPropertyNames(Object.prototype),
  'prototype',
]);

type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** Keys written bare in a field path; any other is quoted, `route["a.b"]`, so a path names one place. */
const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

export function childPath(parent: string, key: string | number): string {
  if (typeof key === 'number') return `${parent}[${key}]`;
  if (!IDENTIFIER.test(key)) return `${parent}[${JSON.stringify(key)}]`;
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

/** Constraints saying the value is not an object or list at all: what is inside it is noise. */
const SHAPE_CONSTRAINTS: ReadonlySet<string> = new Set([
  'isArray',
  ValidationTypes.NESTED_VALIDATION,
  FIELD_CONSTRAINTS.nestedObject,
]);

/** Rules whose message explains a missing value better than 'is required'. */
const EXPLAINS_ABSENCE: ReadonlySet<string> = new Set([FIELD_CONSTRAINTS.recipientsFitHandling]);

function reasonOf(error: ValidationError, name: string, forItem = false): string {
  const message = (error.constraints ?? {})[name];
  const property = error.property;
  const eachPrefix = `each value in ${property} `;
  if (message.startsWith(eachPrefix)) {
    return forItem ? message.slice(eachPrefix.length) : `each value ${message.slice(eachPrefix.length)}`;
  }
  if (message.startsWith(`${property} `)) return message.slice(property.length + 1);
  return message;
}

/** One clear reason per fault: a mistyped value (or item) explains the rest of its failures. */
function mainFaults(names: readonly string[]): readonly string[] {
  const typeFaults = names.filter((name) => TYPE_CONSTRAINTS.has(name));
  return typeFaults.length > 0 ? typeFaults : names;
}

type ValidatorMetadata = ReturnType<
  ReturnType<typeof getMetadataStorage>['getTargetValidationMetadatas']
>[number];

function itemRulesOf(error: ValidationError): ValidatorMetadata[] {
  const target: unknown = error.target;
  if (typeof target !== 'object' || target === null) return [];
  return getMetadataStorage()
    .getTargetValidationMetadatas(target.constructor, '', true, false)
    .filter(
      (meta) =>
        meta.propertyName === error.property &&
        meta.each === true &&
        meta.type === ValidationTypes.CUSTOM_VALIDATION &&
        (meta.validateIf === undefined || meta.validateIf(target, error.value)),
    );
}

/**
 * For a rule applied to each item of a list ({ each: true }), class-validator reports the list;
 * replaying the same constraint on each item (as class-validator does) finds the items at fault,
 * so the violation can name `hsPrefixes[1]` rather than `hsPrefixes`. Item index -> failed rules.
 */
function itemFaults(error: ValidationError, failed: ReadonlySet<string>): Map<number, string[]> {
  const faults = new Map<number, string[]>();
  if (!Array.isArray(error.value)) return faults;
  const items: unknown[] = error.value;
  const target = error.target as object;
  const storage = getMetadataStorage();
  for (const meta of itemRulesOf(error)) {
    for (const constraint of storage.getTargetValidatorConstraints(meta.constraintCls)) {
      if (!failed.has(constraint.name)) continue;
      items.forEach((item, index) => {
        const valid = constraint.instance.validate(item, {
          targetName: target.constructor.name,
          property: meta.propertyName,
          object: target,
          value: items,
          constraints: meta.constraints,
        });
        if (valid === true) return;
        faults.set(index, [...(faults.get(index) ?? []), constraint.name]);
      });
    }
  }
  return faults;
}

interface FieldFaults {
  /** Violations of this field and, for item rules, of its items. */
  violations: FieldViolation[];
  /** Items that are not even of the right shape: what nested validation found inside them is noise. */
  misshapenItems: ReadonlySet<number>;
  /** The field itself is not of the right shape. */
  misshapen: boolean;
}

function faultsOf(error: ValidationError, path: string): FieldFaults {
  const names = Object.keys(error.constraints ?? {});
  const none = { misshapenItems: new Set<number>(), misshapen: false };
  if (names.length === 0) return { violations: [], ...none };
  const at = (reason: string): FieldViolation => ({ field: path, reason });
  if (names.includes('whitelistValidation')) return { violations: [at('is not allowed')], ...none };
  if (error.value === undefined) {
    const explaining = names.filter((name) => EXPLAINS_ABSENCE.has(name));
    const reasons = explaining.length > 0 ? explaining.map((name) => reasonOf(error, name)) : ['is required'];
    return { violations: reasons.map(at), ...none };
  }
  if (error.value === null)
    return { violations: [at('must not be null')], misshapenItems: new Set(), misshapen: true };

  const byItem = itemFaults(error, new Set(names));
  const itemRuleNames = new Set([...byItem.values()].flat());
  const ownNames = names.filter((name) => !itemRuleNames.has(name));
  const misshapen = ownNames.some((name) => SHAPE_CONSTRAINTS.has(name));
  const violations: FieldViolation[] = [];
  if (ownNames.includes('isArray')) violations.push(at('must be an array'));
  else if (misshapen) violations.push(at('must be an object'));
  else violations.push(...mainFaults(ownNames).map((name) => at(reasonOf(error, name))));

  const misshapenItems = new Set<number>();
  if (!misshapen) {
    for (const [index, itemNames] of [...byItem.entries()].sort(([a], [b]) => a - b)) {
      if (itemNames.some((name) => SHAPE_CONSTRAINTS.has(name))) misshapenItems.add(index);
      for (const name of mainFaults(itemNames)) {
        violations.push({ field: childPath(path, index), reason: reasonOf(error, name, true) });
      }
    }
  }
  return { violations, misshapenItems, misshapen };
}

function collectViolations(
  errors: readonly ValidationError[],
  parent: string,
  parentIsArray: boolean,
  skip: ReadonlySet<number>,
  out: FieldViolation[],
): void {
  for (const error of errors) {
    if (parentIsArray && skip.has(Number(error.property))) continue;
    const path = parentIsArray
      ? childPath(parent, Number(error.property))
      : childPath(parent, error.property);
    const faults = faultsOf(error, path);
    out.push(...faults.violations);
    // Inside a value of the wrong shape, further faults are noise.
    if (!faults.misshapen && error.children && error.children.length > 0) {
      collectViolations(error.children, path, Array.isArray(error.value), faults.misshapenItems, out);
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

/**
 * Validates a body against a decorated shape. On success `value` is a fresh plain JSON object
 * equal to the input, but for organization codes, lowercased: nothing is coerced, defaulted or
 * dropped. On failure every bad field is
 * listed with its path, items of lists included.
 */
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
  collectViolations(validateSync(instance, VALIDATOR_OPTIONS), '', false, new Set(), violations);
  if (violations.length > 0) return { ok: false, violations: dedupe(violations) };
  return { ok: true, value: adoptNormalized(json, instance) as T };
}

/**
 * The checked copy with the values the shape normalized while it was built (organization codes are
 * lowercased): a string is taken from the instance where the instance holds a string at the same
 * place. Every other value stays exactly as sent.
 */
function adoptNormalized(json: JsonValue, built: unknown): JsonValue {
  if (typeof json === 'string') return typeof built === 'string' ? built : json;
  if (json === null || typeof json !== 'object' || typeof built !== 'object' || built === null) return json;
  if (Array.isArray(json)) {
    return Array.isArray(built) ? json.map((item, index) => adoptNormalized(item, built[index])) : json;
  }
  const copy: { [key: string]: JsonValue } = {};
  for (const key of Object.keys(json)) {
    copy[key] = adoptNormalized(json[key], (built as Record<string, unknown>)[key]);
  }
  return copy;
}

/** A PATCH body that changes nothing is a client mistake, not a no-op to store as a new version. */
export function requireSomeField<T extends object>(result: ValidationResult<T>): ValidationResult<T> {
  if (result.ok && Object.keys(result.value).length === 0) {
    return { ok: false, violations: [{ field: '', reason: 'must change at least one field' }] };
  }
  return result;
}
