import { Transform, Type, type TypeHelpOptions } from 'class-transformer';
import {
  IsString,
  Length,
  Matches,
  ValidateBy,
  ValidateIf,
  ValidateNested,
  buildMessage,
  type ValidationArguments,
  type ValidationOptions,
} from 'class-validator';
import { isValidHsCode, isValidHsPrefix } from '../taxonomy/hs-code.taxonomy';
import { isIsoCountry } from '../taxonomy/iso-country.taxonomy';
import { isIsoCurrency } from '../taxonomy/iso-currency.taxonomy';
import { isIsoLanguage } from '../taxonomy/iso-language.taxonomy';
import {
  normalizeOrganizationCode,
  ORGANIZATION_CODE_PATTERN,
  REFERENCE_PATTERN,
} from '../records/record.enums';
import { LIMITS } from '../records/record.limits';

// Field rules shared by every shape of the standard (records, subscriptions, the envelope).

/**
 * Names of the custom constraints. The JSON Schema converters are keyed by these, so each
 * rule below has exactly one schema counterpart (see contract.schemas.ts).
 */
export const FIELD_CONSTRAINTS = {
  hsCode: 'isHsCode',
  hsPrefix: 'isHsPrefix',
  countryCode: 'isIsoCountryCode',
  currencyCode: 'isIsoCurrencyCode',
  languageCode: 'isIsoLanguageCode',
  organizationCode: 'isOrganizationCode',
  dateTime: 'isDateTime',
  notInFuture: 'isNotInFuture',
  recipientsFitHandling: 'recipientsFitHandling',
  operationFitsHandling: 'operationFitsHandling',
  webhookUrl: 'isWebhookUrl',
  nestedObject: 'isNestedObject',
  maxDecimalPlaces: 'maxDecimalPlaces',
  textLength: 'isTextLength',
  replayStart: 'isReplayStart',
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

export function IsHsPrefix(options?: ValidationOptions): PropertyDecorator {
  return stringRule(
    FIELD_CONSTRAINTS.hsPrefix,
    isValidHsPrefix,
    'an HS prefix of 2 to 10 digits starting with a chapter 01-97 (not 77)',
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

/**
 * An organization code, however its letters are cased: the value is lowercased when the shape is
 * built (bodies, queries and path parameters alike), then checked, so `FR-Customs` is `fr-customs`.
 */
export function IsOrganizationCode(options?: ValidationOptions): PropertyDecorator {
  return (target: object, property: string | symbol): void => {
    Transform(
      ({ value }: { value: unknown }) =>
        Array.isArray(value) && options?.each
          ? value.map(normalizeOrganizationCode)
          : normalizeOrganizationCode(value),
      { toClassOnly: true },
    )(target, property);
    stringRule(
      FIELD_CONSTRAINTS.organizationCode,
      (value) => ORGANIZATION_CODE_PATTERN.test(value),
      'an organization code (2-40 letters, digits or hyphens, starting with a letter or digit)',
      options,
    )(target, property);
  };
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

/**
 * A feed cursor as the hub issues it (`nextCursor`): base64url, bounded, starting with a letter (it
 * encodes a number). What starts with a digit is a mistyped time, so it is told as one.
 */
export const FEED_CURSOR_PATTERN = /^[A-Za-z][A-Za-z0-9_-]{0,99}$/;

/**
 * Where a new subscription's replay starts: an RFC 3339 date-time, or the `nextCursor` of one of
 * the subscriber's feeds. Which cursors the hub issued, and how far back it replays, is for the
 * gateway to check.
 */
export function IsReplayStart(): PropertyDecorator {
  return ValidateBy({
    name: FIELD_CONSTRAINTS.replayStart,
    validator: {
      validate: (value: unknown): boolean =>
        typeof value === 'string' && (isDateTime(value) || FEED_CURSOR_PATTERN.test(value)),
      defaultMessage: () =>
        '$property must be an RFC 3339 date-time with offset (e.g. 2026-03-01T08:30:00Z) or a feed cursor',
    },
  });
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

/** Decimal places of a number as written in its shortest form, exponent included: 1e-7 has seven. */
export function decimalPlaces(value: number): number {
  const [mantissa, exponent = '0'] = String(value).toLowerCase().split('e');
  return Math.max(0, (mantissa.split('.')[1] ?? '').length - Number(exponent));
}

/**
 * At most `places` decimals (amounts of money). class-validator's own maxDecimalPlaces reads the
 * digits after a '.', and throws on a number it prints with an exponent (1e-7), hence this rule.
 */
export function MaxDecimalPlaces(places: number): PropertyDecorator {
  return ValidateBy({
    name: FIELD_CONSTRAINTS.maxDecimalPlaces,
    constraints: [places],
    validator: {
      validate: (value: unknown): boolean => typeof value !== 'number' || decimalPlaces(value) <= places,
      defaultMessage: buildMessage(() => `$property must have at most ${places} decimal places`),
    },
  });
}

/**
 * Prose (summaries, narratives): bounded, and free of what PostgreSQL text, terminals or readers'
 * screens choke on or are fooled by: C0 controls other than TAB/LF/CR, DEL, C1 controls
 * (U+0080-U+009F: CSI, NEL...), bidi embeddings, overrides and isolates (U+202A-U+202E,
 * U+2066-U+2069: they reorder what an analyst sees, so "exe.txt" can show as "txt.exe"), and
 * unpaired UTF-16 surrogates, which no UTF-8 text can hold (PostgreSQL refused them with a 500).
 * The marks LRM, RLM and ALM (U+200E, U+200F, U+061C) stay allowed: Arabic, Hebrew or Persian text
 * that quotes Latin names needs them, and they reorder nothing beyond the neutral character beside
 * them. With the `u` flag a well-formed pair is one code point outside the class.
 */
export const PROSE_CHARACTERS =
  /^[^\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\u202A-\u202E\u2066-\u2069\uD800-\uDFFF]*$/u; // eslint-disable-line no-control-regex

/**
 * One-line text (titles, names, offices, codes typed by people): as prose, and no line breaks
 * either (LF, CR, U+2028, U+2029), which forge log lines and split what a list shows as one entry.
 * TAB stays allowed.
 */
export const TEXT_CHARACTERS =
  /^[^\u0000-\u0008\u000A-\u001F\u007F-\u009F\u2028\u2029\u202A-\u202E\u2066-\u2069\uD800-\uDFFF]*$/u; // eslint-disable-line no-control-regex

/** Length in Unicode code points, as JSON Schema's maxLength and PostgreSQL's varchar count it. */
function codePointLength(value: string): number {
  let length = 0;
  for (const _ of value) length += 1;
  return length;
}

function boundedText(
  maxLength: number,
  minLength: number,
  characters: RegExp,
  expectation: string,
): PropertyDecorator {
  return (target: object, property: string | symbol): void => {
    IsString()(target, property);
    ValidateBy({
      name: FIELD_CONSTRAINTS.textLength,
      constraints: [minLength, maxLength],
      validator: {
        // Non-strings are IsString's to report.
        validate: (value: unknown): boolean =>
          typeof value !== 'string' ||
          (codePointLength(value) >= minLength && codePointLength(value) <= maxLength),
        defaultMessage: () => `$property must be ${minLength} to ${maxLength} characters long`,
      },
    })(target, property);
    Matches(characters, { message: `$property must be ${expectation}` })(target, property);
  };
}

/** One line of free text (a title, a name). */
export function Text(maxLength: number, minLength = 1): PropertyDecorator {
  return boundedText(
    maxLength,
    minLength,
    TEXT_CHARACTERS,
    'one line of well-formed text without control characters or bidi overrides',
  );
}

/** Free text that may run over several lines (a summary, a narrative). */
export function Prose(maxLength: number, minLength = 1): PropertyDecorator {
  return boundedText(
    maxLength,
    minLength,
    PROSE_CHARACTERS,
    'well-formed text without control characters (other than tab and line breaks) or bidi overrides',
  );
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

/**
 * The record's operation code: optional, but required when handling is 'operation' (an operation
 * record with no operation would reach no one but its originator and the Secretariat).
 */
export function OperationFitsHandling(): PropertyDecorator {
  return (target: object, property: string | symbol): void => {
    ValidateIf(
      (object: { handling?: unknown; operation?: unknown }) =>
        object.operation !== undefined || object.handling === 'operation',
    )(target, property);
    ValidateBy({
      name: FIELD_CONSTRAINTS.operationFitsHandling,
      validator: {
        validate: (value: unknown): boolean => value !== undefined && value !== null,
        defaultMessage: (): string => '$property is required when handling is operation',
      },
    })(target, property);
  };
}

/**
 * A nested shape: one object of the class `shape` returns, or with `each` a list of them.
 * ValidateNested alone walks into an array found where an object is expected, so `[]` or
 * `[[...]]` would pass; the explicit object check refuses them. `shape` may look at the plain
 * value (TypeHelpOptions) to pick one of several classes, as a tagged union does.
 */
export function Nested(
  shape: (options?: TypeHelpOptions) => new () => object,
  options: { each?: boolean } = {},
): PropertyDecorator {
  return (target: object, property: string | symbol): void => {
    ValidateBy(
      {
        name: FIELD_CONSTRAINTS.nestedObject,
        validator: {
          validate: (value: unknown): boolean =>
            typeof value === 'object' && value !== null && !Array.isArray(value),
          defaultMessage: buildMessage((each) => `${each}$property must be an object`, options),
        },
      },
      options,
    )(target, property);
    ValidateNested(options)(target, property);
    Type(shape)(target, property);
  };
}

/**
 * Webhook URLs: what every receiver and proxy can parse the same way. Lowercase http(s) scheme,
 * a host, printable ASCII only (IDNs in punycode, the rest percent-encoded), no backslash (WHATWG
 * reads it as '/', other parsers do not), no credentials (they would be stored and logged as
 * configuration) and no fragment (never sent over HTTP). The pattern is the JSON Schema's; the
 * URL parser adds what a pattern cannot check (ports, IP literals, host characters).
 */
export const WEBHOOK_URL_PATTERN = /^(?=[!-~]+$)https?:\/\/[^@/?#\\]+(?:[/?][^#\\]*)?$/;

/** Why a value is not an acceptable webhook URL, or undefined when it is one. */
export function webhookUrlFault(value: unknown): string | undefined {
  if (typeof value !== 'string') return 'must be a string';
  if (value.length > LIMITS.webhookUrl) return `must be at most ${LIMITS.webhookUrl} characters long`;
  if (!value.startsWith('https://') && !value.startsWith('http://'))
    return 'must be an absolute URL starting with https:// or http://';
  if (!/^[!-~]+$/.test(value) || value.includes('\\'))
    return 'must hold only printable ASCII characters (percent-encode the rest) and no backslash';
  const authority = value.slice(value.indexOf('//') + 2).split(/[/?#]/, 1)[0];
  if (authority.includes('@')) return 'must not contain credentials (user:password@)';
  if (value.includes('#')) return 'must not have a fragment';
  if (authority === '' || !URL.canParse(value) || !WEBHOOK_URL_PATTERN.test(value))
    return 'must be a valid URL with a host';
  return undefined;
}

export function IsWebhookUrl(): PropertyDecorator {
  return ValidateBy({
    name: FIELD_CONSTRAINTS.webhookUrl,
    validator: {
      validate: (value: unknown): boolean => webhookUrlFault(value) === undefined,
      defaultMessage: (args?: ValidationArguments): string =>
        `$property ${webhookUrlFault(args?.value) ?? 'must be a webhook URL'}`,
    },
  });
}
