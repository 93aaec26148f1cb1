import { defaultMetadataStorage } from 'class-transformer/cjs/storage';
import { targetConstructorToSchema } from 'class-validator-jsonschema';
import { HubCloudEventAttributes } from '../events/hub-cloud-event.envelope';
import { HubRecallEventAttributes, RecordRecall } from '../events/record-recall.event';
import { Alert } from '../records/alert.record';
import {
  Commodity,
  ConsignmentIdentifier,
  MonetaryAmount,
  Party,
  Quantity,
  Route,
  SeizedCommodity,
} from '../records/consignment.records';
import { PublishedAlert, PublishedSeizureNotice } from '../records/published-record.record';
import { ORGANIZATION_CODE_INPUT_PATTERN } from '../records/record.enums';
import {
  FEED_CURSOR_PATTERN,
  FIELD_CONSTRAINTS,
  FUTURE_TOLERANCE_MS,
  WEBHOOK_URL_PATTERN,
} from '../validation/field.validators';
import { LIMITS } from '../records/record.limits';
import { AlertUpdate, SeizureNoticeUpdate } from '../records/record-update.record';
import { SeizureNotice } from '../records/seizure-notice.record';
import { PullDelivery, WebhookDelivery } from '../subscriptions/subscription-delivery.contract';
import { SubscriptionFilter } from '../subscriptions/subscription-filter.contract';
import { AlertFeedbackSubmission } from '../feedback/alert-feedback.contract';
import { NewSubscription, SubscriptionUpdate } from '../subscriptions/subscription.contract';
import {
  NewOperation,
  OperationParticipant,
  OperationPeriod,
  OperationPhase,
  OperationScope,
  OperationTemplate,
  OperationUpdate,
} from '../operations/operation.contract';
import { HS_CODE_PATTERN, HS_PREFIX_PATTERN } from '../taxonomy/hs-code.taxonomy';
import { ISO_COUNTRY_CODES } from '../taxonomy/iso-country.taxonomy';
import { ISO_CURRENCY_CODES } from '../taxonomy/iso-currency.taxonomy';
import { ISO_LANGUAGE_CODES } from '../taxonomy/iso-language.taxonomy';

/** A JSON Schema (draft 2020-12, the dialect of OpenAPI 3.1) as plain JSON. */
export type JsonSchema = { [keyword: string]: unknown };

export const JSON_SCHEMA_DIALECT = 'https://json-schema.org/draft/2020-12/schema';

export interface ContractSchemaOptions {
  /** Prefix of `$ref`s between the schemas: '#/$defs/' (default) or '#/components/schemas/' for OpenAPI. */
  refPointerPrefix?: string;
}

type SchemaOptions = NonNullable<Parameters<typeof targetConstructorToSchema>[1]>;
type Converters = NonNullable<SchemaOptions['additionalConverters']>;

const refTo =
  (name: string) =>
  (_meta: unknown, options: { refPointerPrefix: string }): { $ref: string } => ({
    $ref: `${options.refPointerPrefix}${name}`,
  });

/** One schema per custom constraint of validation/field.validators.ts, keyed by its name. */
const CONVERTERS: Converters = {
  [FIELD_CONSTRAINTS.hsCode]: { type: 'string', pattern: HS_CODE_PATTERN.source },
  [FIELD_CONSTRAINTS.hsPrefix]: { type: 'string', pattern: HS_PREFIX_PATTERN.source },
  [FIELD_CONSTRAINTS.countryCode]: refTo('CountryCode'),
  [FIELD_CONSTRAINTS.currencyCode]: refTo('CurrencyCode'),
  [FIELD_CONSTRAINTS.languageCode]: refTo('LanguageCode'),
  [FIELD_CONSTRAINTS.organizationCode]: {
    type: 'string',
    pattern: ORGANIZATION_CODE_INPUT_PATTERN.source,
    description: 'Organization code. Letters are accepted in either case; the hub lowercases them.',
  },
  [FIELD_CONSTRAINTS.dateTime]: { type: 'string', format: 'date-time' },
  [FIELD_CONSTRAINTS.notInFuture]: {
    description: `Not in the future (${FUTURE_TOLERANCE_MS / 60_000} minutes of clock skew tolerated).`,
  },
  // Expressed on the record as if/then/else, see RECIPIENTS_RULE and OPERATION_RULE.
  [FIELD_CONSTRAINTS.recipientsFitHandling]: {},
  [FIELD_CONSTRAINTS.operationFitsHandling]: {},
  [FIELD_CONSTRAINTS.webhookUrl]: {
    type: 'string',
    format: 'uri',
    maxLength: LIMITS.webhookUrl,
    pattern: WEBHOOK_URL_PATTERN.source,
    description: 'Absolute http(s) URL, printable ASCII, without credentials or fragment.',
  },
  [FIELD_CONSTRAINTS.replayStart]: {
    type: 'string',
    anyOf: [
      { type: 'string', format: 'date-time' },
      { type: 'string', pattern: FEED_CURSOR_PATTERN.source },
    ],
    description: 'An RFC 3339 date-time with offset, or the nextCursor of one of your feeds.',
  },
  // The $ref of the nested shape already says "object".
  [FIELD_CONSTRAINTS.nestedObject]: {},
  [FIELD_CONSTRAINTS.textLength]: (meta: { constraints: unknown[] }) => ({
    minLength: Number(meta.constraints[0]),
    maxLength: Number(meta.constraints[1]),
  }),
  [FIELD_CONSTRAINTS.maxDecimalPlaces]: (meta: { constraints: unknown[] }) => ({
    multipleOf: 1 / 10 ** Number(meta.constraints[0]),
  }),
};

/** Code lists referenced by the record schemas. */
const CODE_LISTS: Record<string, JsonSchema> = {
  CountryCode: {
    type: 'string',
    description: 'ISO 3166-1 alpha-2 country code, uppercase.',
    enum: [...ISO_COUNTRY_CODES],
  },
  CurrencyCode: {
    type: 'string',
    description: 'ISO 4217 currency code in use.',
    enum: [...ISO_CURRENCY_CODES],
  },
  LanguageCode: {
    type: 'string',
    description: 'ISO 639-1 language code, lowercase.',
    enum: [...ISO_LANGUAGE_CODES],
  },
};

const RECIPIENTS_RULE: JsonSchema = {
  if: { properties: { handling: { const: 'restricted' } }, required: ['handling'] },
  then: { properties: { recipients: { minItems: 1 } }, required: ['recipients'] },
  else: { properties: { recipients: { maxItems: 0 } } },
};

const OPERATION_RULE: JsonSchema = {
  if: { properties: { handling: { const: 'operation' } }, required: ['handling'] },
  then: { required: ['operation'] },
};

const OBJECT_SHAPES = {
  Alert,
  SeizureNotice,
  AlertUpdate,
  SeizureNoticeUpdate,
  PublishedAlert,
  PublishedSeizureNotice,
  Commodity,
  SeizedCommodity,
  Quantity,
  MonetaryAmount,
  Route,
  Party,
  ConsignmentIdentifier,
  HubCloudEvent: HubCloudEventAttributes,
  HubRecallEvent: HubRecallEventAttributes,
  RecordRecall,
  NewSubscription,
  SubscriptionUpdate,
  SubscriptionFilter,
  PullDelivery,
  WebhookDelivery,
  NewOperation,
  OperationUpdate,
  OperationPeriod,
  OperationPhase,
  OperationParticipant,
  OperationScope,
  OperationTemplate,
  AlertFeedbackSubmission,
} as const;

const DESCRIPTIONS: Partial<Record<keyof typeof OBJECT_SHAPES, string>> = {
  Alert: 'An alert as submitted by a national system (POST /v1/alerts).',
  SeizureNotice: 'A seizure notice as submitted by a national system (POST /v1/seizures).',
  AlertUpdate:
    'PATCH body for an alert: top-level fields replace the stored ones, null removes an optional field; reference cannot change.',
  SeizureNoticeUpdate:
    'PATCH body for a seizure notice: top-level fields replace the stored ones, null removes an optional field; reference cannot change.',
  PublishedAlert: 'An alert as the hub stores, serves and publishes it: the submitted body plus hub fields.',
  PublishedSeizureNotice:
    'A seizure notice as the hub stores, serves and publishes it: the submitted body plus hub fields.',
  HubCloudEvent:
    'A CloudEvents 1.0 event of the hub, in structured form; on Kafka the attributes travel as ce_ headers.',
  HubRecallEvent:
    'A recall (alert.recalled, seizure.recalled): sent by the hub to those who received a record and may no longer read it since a revision. It carries no content: the record id and the version since which it is withheld.',
  RecordRecall: 'The record a recall withdraws, and the version since which the reader may not read it.',
  NewSubscription:
    'A subscription as an organization creates it (POST /v1/subscriptions): it receives the events its filter accepts and it may read.',
  SubscriptionUpdate:
    'PATCH body for a subscription: name, filter and delivery each replace the current value whole (a new filter is not merged into the old one).',
  SubscriptionFilter:
    'Which events a subscription wants. A field left out means any value; present fields must all match (AND); within a field any listed value matches (OR). Alerts below minSeverity are left out; seizure notices have no severity and pass it.',
  PullDelivery: 'The subscriber reads its feed at its own pace.',
  WebhookDelivery: 'The hub POSTs each matching event to url, signed per Standard Webhooks.',
  NewOperation:
    'A joint operation as the secretariat creates it (POST /v1/operations): a period, phases within it, registered participants, an optional scope and a template of fields its records must fill.',
  OperationUpdate:
    'PATCH body for an operation: the secretariat renames, extends the period (periodEnd, never earlier), adds and removes participants; the secretariat and coordinators replace the phases.',
  AlertFeedbackSubmission:
    'Feedback on an alert (POST /v1/alerts/{id}/feedback): received, checked-no-find, hit, false-positive or not-relevant; any of them acknowledges the alert.',
};

const SUBSCRIPTION_DELIVERY_DESCRIPTION = 'How matching events reach the subscriber, tagged by type.';

function toJson(schema: unknown): JsonSchema {
  return JSON.parse(JSON.stringify(schema)) as JsonSchema;
}

function propertiesOf(schema: JsonSchema): Record<string, JsonSchema> {
  return (schema.properties ?? {}) as Record<string, JsonSchema>;
}

/** Optional record fields may be null in a patch (null removes them); nothing may be empty. */
function patchSchema(patch: JsonSchema, record: JsonSchema): JsonSchema {
  const required = new Set((record.required ?? []) as string[]);
  const properties = Object.fromEntries(
    Object.entries(propertiesOf(patch)).map(([name, property]) => [
      name,
      required.has(name) ? property : { anyOf: [property, { type: 'null' }] },
    ]),
  );
  return { ...patch, properties, minProperties: 1 };
}

/**
 * JSON Schemas (draft 2020-12, fit for OpenAPI 3.1 components) of every shape of the standard,
 * derived from the class-validator metadata, so they cannot drift from validation. Objects are
 * closed (additionalProperties: false), like the validator's whitelist.
 */
export function contractJsonSchemas(options: ContractSchemaOptions = {}): Record<string, JsonSchema> {
  const refPointerPrefix = options.refPointerPrefix ?? '#/$defs/';
  const schemaOptions: SchemaOptions = {
    refPointerPrefix,
    additionalConverters: CONVERTERS,
    classTransformerMetadataStorage: defaultMetadataStorage,
  };
  const schemas: Record<string, JsonSchema> = {};
  for (const [name, shape] of Object.entries(OBJECT_SHAPES) as [
    keyof typeof OBJECT_SHAPES,
    new () => object,
  ][]) {
    const description = DESCRIPTIONS[name];
    schemas[name] = {
      ...toJson(targetConstructorToSchema(shape, schemaOptions)),
      additionalProperties: false,
      ...(description ? { description } : {}),
    };
  }

  for (const name of ['Alert', 'SeizureNotice', 'PublishedAlert', 'PublishedSeizureNotice'] as const) {
    schemas[name] = { ...schemas[name], ...RECIPIENTS_RULE, allOf: [OPERATION_RULE] };
  }
  schemas.OperationUpdate = { ...schemas.OperationUpdate, minProperties: 1 };
  schemas.AlertUpdate = patchSchema(schemas.AlertUpdate, schemas.Alert);
  schemas.SeizureNoticeUpdate = patchSchema(schemas.SeizureNoticeUpdate, schemas.SeizureNotice);
  for (const [name, type] of [
    ['PublishedAlert', 'alert'],
    ['PublishedSeizureNotice', 'seizure'],
  ] as const) {
    schemas[name] = {
      ...schemas[name],
      properties: { ...propertiesOf(schemas[name]), type: { type: 'string', const: type } },
    };
  }
  // The validator picks the delivery class by `type`; the schema says the same with oneOf.
  schemas.SubscriptionDelivery = {
    description: SUBSCRIPTION_DELIVERY_DESCRIPTION,
    oneOf: [{ $ref: `${refPointerPrefix}PullDelivery` }, { $ref: `${refPointerPrefix}WebhookDelivery` }],
  };
  for (const name of ['NewSubscription', 'SubscriptionUpdate'] as const) {
    schemas[name] = {
      ...schemas[name],
      properties: {
        ...propertiesOf(schemas[name]),
        delivery: { $ref: `${refPointerPrefix}SubscriptionDelivery` },
      },
    };
  }
  schemas.SubscriptionUpdate = patchSchema(schemas.SubscriptionUpdate, schemas.NewSubscription);
  const envelope = schemas.HubCloudEvent;
  schemas.HubCloudEvent = {
    ...envelope,
    properties: {
      ...propertiesOf(envelope),
      data: {
        oneOf: [
          { $ref: `${refPointerPrefix}PublishedAlert` },
          { $ref: `${refPointerPrefix}PublishedSeizureNotice` },
        ],
      },
    },
    required: [...((envelope.required ?? []) as string[]), 'data'],
  };
  return { ...schemas, ...CODE_LISTS };
}
