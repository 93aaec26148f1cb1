import { ValidationPipe, type ValidationError } from '@nestjs/common';
import { type FieldPath, ProblemException, problemFieldAt, type ProblemField } from './problem-details';

/**
 * Constraints saying the value is not even of the right kind. When one fails, the range, length
 * and format rules fail with it (`limit=abc` is neither ≥ 1 nor ≤ 500): only the kind is reported.
 */
const KIND_CONSTRAINTS: readonly string[] = [
  'whitelistValidation',
  'isDefined',
  'isString',
  'isInt',
  'isNumber',
  'isBoolean',
  'isArray',
  'isObject',
];

/** The one reason reported for a field: its kind when that is wrong, else the first rule it breaks. */
function mainReason(constraints: Record<string, string>): string | undefined {
  const kind = KIND_CONSTRAINTS.find((name) => constraints[name] !== undefined);
  return kind !== undefined ? constraints[kind] : Object.values(constraints)[0];
}

/** Flattens class-validator's error tree into one entry per bad field, with its path and one reason. */
export function fieldsFromValidationErrors(
  errors: ValidationError[],
  parent: FieldPath = [],
): ProblemField[] {
  return errors.flatMap((error) => {
    const path = [...parent, /^\d+$/.test(error.property) ? Number(error.property) : error.property];
    const reason = mainReason(error.constraints ?? {});
    const own = reason !== undefined ? [problemFieldAt(path, reason)] : [];
    return [...own, ...fieldsFromValidationErrors(error.children ?? [], path)];
  });
}

/** The pipe for DTOs owned by apps (query strings, admin bodies): unknown fields rejected, errors as problem+json. */
export function hubValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
    transform: true,
    transformOptions: { enableImplicitConversion: false },
    exceptionFactory: (errors) => ProblemException.invalidRequest(fieldsFromValidationErrors(errors)),
  });
}
