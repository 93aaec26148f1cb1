import {
  IsString,
  Length,
  Matches,
  ValidateBy,
  ValidateIf,
  buildMessage,
  type ValidationArguments,
  type ValidationOptions,
} from 'class-validator';
import { isValidHsCode } from '../taxonomy/hs-code.taxonomy';
import { isIsoCountry } from '../taxonomy/iso-country.taxonomy';
import { isIsoCurrency } from '../taxonomy/iso-currency.taxonomy';
import { isIsoLanguage } from '../taxonomy/iso-language.taxonomy';
import { ORGANIZATION_CODE_PATTERN, REFERENCE_PATTERN } from './record.enums';
import { LIMITS } from './record.limits';

/**
 * Names of the custom constraints. The JSON Schema converters are keyed by these, so each
 * rule below has exactly one schema counterpart (see contract.schemas.ts).
 */
export const FIELD_CONSTRAINTS = {
  hsCode: 'isHsCode',
  countryCode: 'isIsoCountryCode',
  currencyCode: 'isIsoCurrencyCode',
  languageCode: 'isIsoLanguageCode',
  organizationCode: 'isOrganizationCode',
  dateTime: 'isDateTime',
  notInFuture: 'isNotInFuture',
  recipientsFitHandling: 'recipientsFitHandling',
} as const;

function stringRule(
  name: string,
  test: (value: string) => boolean,
  expectation: string,
  options?: ValidationOptions,
): PropertyDecorator {
  return ValidateBy(
    {
      name,
      validator: {
        validate: (value: unknown): boolean => typeof value === 'string' && test(value),
        defaultMessage: buildMessage((each) => `${each}$property must be ${expectation}`, options),
      },
    },
    options,
  );
}

export function IsHsCode(options?: ValidationOptions): PropertyDecorator {
  return stringRule(
    FIELD_CONSTRAINTS.hsCode,
    isValidHsCode,
    'an HS code of 6 to 10 digits in chapters 01-97 (not 77)',
    options,
  );
}

export function IsIsoCountryCode(options?: ValidationOptions): PropertyDecorator {
  return stringRule(
    FIELD_CONSTRAINTS.countryCode,
    isIsoCountry,
    'an uppercase ISO 3166-1 alpha-2 country code',
    options,
  );
}

export function IsIsoCurrencyCode(options?: ValidationOptions): PropertyDecorator {
  return stringRule(
    FIELD_CONSTRAINTS.currencyCode,
    isIsoCurrency,
    'an ISO 4217 currency code in use',
    options,
  );
}

export function IsIsoLanguageCode(options?: ValidationOptions): PropertyDecorator {
  return stringRule(
    FIELD_CONSTRAINTS.languageCode,
    isIsoLanguage,
    'a lowercase ISO 639-1 language code',
    options,
  );
}

export function IsOrganizationCode(options?: ValidationOptions): PropertyDecorator {
  return stringRule(
    FIELD_CONSTRAINTS.organizationCode,
    (value) => ORGANIZATION_CODE_PATTERN.test(value),
    'an organization code (2-40 lowercase letters, digits or hyphens)',
    options,
  );
}

/** RFC 3339 date-time with an explicit offset: a local time without one is ambiguous across regions. */
const DATE_TIME_PATTERN =
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?(Z|[+-](\d{2}):(\d{2}))$/;

export function isDateTime(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  const match = DATE_TIME_PATTERN.exec(value);
  if (!match) return false;
  const [year, month, day, hour, minute, second] = match.slice(1, 7).map(Number);
  const [offsetHour, offsetMinute] = [match[9], match[10]].map((part) =>
    part === undefined ? 0 : Number(part),
  );
  // Date.UTC rolls 31 April over to 1 May; comparing the day back catches impossible dates.
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  return (
    month >= 1 &&
    month <= 12 &&
    day >= 1 &&
    day <= daysInMonth &&
    hour <= 23 &&
    minute <= 59 &&
    second <= 59 &&
    offsetHour <= 23 &&
    offsetMinute <= 59
  );
}

export function IsDateTime(options?: ValidationOptions): PropertyDecorator {
  return stringRule(
    FIELD_CONSTRAINTS.dateTime,
    isDateTime,
    'an RFC 3339 date-time with offset, e.g. 2026-03-01T08:30:00Z',
    options,
  );
}

/** Clocks of national systems drift; a few minutes ahead is tolerated, a future seizure is not. */
export const FUTURE_TOLERANCE_MS = 5 * 60 * 1000;

export function IsNotInFuture(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: FIELD_CONSTRAINTS.notInFuture,
      validator: {
        // Unparsable values are IsDateTime's to report; one reason per fault is enough.
        validate: (value: unknown): boolean =>
          !isDateTime(value) || Date.parse(value) <= Date.now() + FUTURE_TOLERANCE_MS,
        defaultMessage: buildMessage((each) => `${each}$property must not be in the future`, options),
      },
    },
    options,
  );
}

/** Free text: bounded, and free of control characters that PostgreSQL text or terminals choke on. */
const NO_CONTROL_CHARACTERS = /^[^\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]*$/; // eslint-disable-line no-control-regex

export function Text(maxLength: number): PropertyDecorator {
  return (target: object, property: string | symbol): void => {
    IsString()(target, property);
    Length(1, maxLength, { message: `$property must be 1 to ${maxLength} characters long` })(
      target,
      property,
    );
    Matches(NO_CONTROL_CHARACTERS, { message: '$property must not contain control characters' })(
      target,
      property,
    );
  };
}

/** Record references and alert ids; the pattern already excludes control characters. */
export function Reference(options: { each?: boolean } = {}): PropertyDecorator {
  const prefix = options.each ? 'each value in ' : '';
  return (target: object, property: string | symbol): void => {
    IsString(options)(target, property);
    Length(1, LIMITS.reference, {
      ...options,
      message: `${prefix}$property must be 1 to ${LIMITS.reference} characters long`,
    })(target, property);
    Matches(REFERENCE_PATTERN, {
      ...options,
      message: `${prefix}$property must start with a letter or digit and hold only letters, digits and . _ : / -`,
    })(target, property);
  };
}

/**
 * Absent is fine, explicit null is not: stored records never carry nulls, and the JSON Schema
 * says the same. (Patches differ: there null removes a field, see record-update.record.ts.)
 */
export function Optional(): PropertyDecorator {
  return ValidateIf((_object: object, value: unknown) => value !== undefined);
}

/**
 * `recipients` is the audience of a restricted record and meaningless otherwise, so it must be
 * non-empty exactly when handling is 'restricted'. Validated only when it matters.
 */
export function RecipientsFitHandling(): PropertyDecorator {
  return (target: object, property: string | symbol): void => {
    ValidateIf(
      (object: { handling?: unknown; recipients?: unknown }) =>
        object.recipients !== undefined || object.handling === 'restricted',
    )(target, property);
    ValidateBy({
      name: FIELD_CONSTRAINTS.recipientsFitHandling,
      validator: {
        validate: (value: unknown, args?: ValidationArguments): boolean => {
          const handling = (args?.object as { handling?: unknown } | undefined)?.handling;
          const count = Array.isArray(value) ? value.length : 0;
          return handling === 'restricted' ? count > 0 : count === 0;
        },
        defaultMessage: (args?: ValidationArguments): string =>
          (args?.object as { handling?: unknown } | undefined)?.handling === 'restricted'
            ? '$property must list at least one recipient when handling is restricted'
            : '$property must be empty unless handling is restricted',
      },
    })(target, property);
  };
}
