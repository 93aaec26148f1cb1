import { ValidationPipe, type ValidationError } from '@nestjs/common';
import { type FieldPath, ProblemException, problemFieldAt, type ProblemField } from './problem-details';

/** Flattens class-validator's error tree into one entry per bad field, with its path. */
export function fieldsFromValidationErrors(
  errors: ValidationError[],
  parent: FieldPath = [],
): ProblemField[] {
  return errors.flatMap((error) => {
    const path = [...parent, /^\d+$/.test(error.property) ? Number(error.property) : error.property];
    const own = Object.values(error.constraints ?? {}).map((reason) => problemFieldAt(path, reason));
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
