import { stringify } from 'yaml';
import { HANDLING_CODES, type RecordType } from '../records/record.enums';
import {
  DELIVERY_DEAD_LETTER_HEADERS,
  HUB_EVENT_TYPES,
  HUB_RECALL_EVENT_TYPES,
  HUB_NOTICE_EVENT_TYPES,
  RECORD_DATA_SCHEMAS,
  ROUTER_DEAD_LETTER_HEADERS,
  recordTypeOfEvent,
} from './hub-event.constants';
import { publishedTopics } from './topic.catalog';
import { HUB_OPERATION_EVENT_TYPES } from './operation-event';
import { OPERATION_CODE_PATTERN, OPERATION_ROLES } from '../operations/operation.contract';

type Node = Record<string, unknown>;

export interface AsyncApiOptions {
  /**
   * Prefix of the `$ref`s to the shipped JSON Schema files, relative to the document:
   * `../libs/contracts/schemas/` in the repository, `../schemas/` as the gateway serves them.
   */
  schemaBase: string;
}

const WHY_SHORT_TYPES =
  'Event `type`s are short (`alert.published`, not `org.wcoomd.cosmo-hub.alert.published`). CloudEvents recommends a reverse-DNS prefix so that types from many producers do not collide; here the absolute `source` (the hub’s public URL) already scopes every event, each topic carries the events of one producer only, and the names are part of version 1 of the contract: subscription filters, webhook receivers and RILO consumers switch on them. Prefixing them would break every consumer to add no information, so it waits for a v2 of the topics.';

const list = (what: string): Node => ({
  type: 'string',
  description: `${what}, comma-joined (empty when none)`,
});

function cloudEventHeaders(type: RecordType): Node {
  const types = HUB_EVENT_TYPES.filter((candidate) => recordTypeOfEvent(candidate) === type);
  return {
    type: 'object',
    description:
      'CloudEvents 1.0 attributes in the Kafka protocol binding, binary content mode: each attribute is a `ce_` header (UTF-8 text), `content-type` is `datacontenttype`. The routing extensions repeat facts of the record so a consumer can filter without parsing the value; their names are lowercase alphanumeric and their values strings, as CloudEvents requires.',
    required: [
      'content-type',
      'ce_specversion',
      'ce_id',
      'ce_source',
      'ce_type',
      'ce_subject',
      'ce_time',
      'ce_regions',
      'ce_countries',
      'ce_hscodes',
      'ce_categories',
      'ce_handling',
      'ce_originator',
      'ce_recordversion',
    ],
    properties: {
      'content-type': { type: 'string', const: 'application/json' },
      ce_specversion: { type: 'string', const: '1.0' },
      ce_id: {
        type: 'string',
        description: 'Unique per event (a UUID); at-least-once delivery: consumers dedupe on it',
      },
      ce_source: {
        type: 'string',
        format: 'uri-reference',
        description:
          'The originator under the hub’s public URL (HUB_PUBLIC_URL), e.g. `https://hub.example/organizations/fr-douane`. Events written before the hub made it absolute carry `/organizations/<code>`.',
      },
      ce_type: { type: 'string', enum: types, description: WHY_SHORT_TYPES },
      ce_subject: { type: 'string', format: 'uuid', description: 'The record id (also the message key)' },
      ce_time: { type: 'string', format: 'date-time', description: 'When this version was written' },
      ce_dataschema: {
        type: 'string',
        format: 'uri',
        description: `The published JSON Schema of the value: <HUB_PUBLIC_URL>/schemas/${RECORD_DATA_SCHEMAS[type]}.schema.json`,
      },
      ce_regions: list('WCO regions the record concerns'),
      ce_countries: list('ISO 3166-1 alpha-2 countries the record concerns'),
      ce_hscodes: list('HS codes of the commodity lines'),
      ce_categories: list('Strategic categories of the commodity lines'),
      ce_handling: { type: 'string', enum: [...HANDLING_CODES], description: 'Who may read the record' },
      ce_originator: { type: 'string', description: 'Code of the originating organization' },
      ce_recordversion: { type: 'string', pattern: '^[1-9][0-9]*$', description: 'Version of the record' },
      ce_operation: {
        type: 'string',
        pattern: OPERATION_CODE_PATTERN.source,
        description: 'The joint operation the record belongs to (absent for a record of none)',
      },
    },
  };
}

/** An operation's life on hub.operations.v1: CloudEvents keyed by operation code. */
function operationEvent(): Node {
  const phase = {
    type: 'object',
    required: ['index', 'name', 'start', 'end'],
    properties: {
      index: { type: 'integer', minimum: 0 },
      name: { type: 'string' },
      start: { type: 'string', format: 'date-time' },
      end: { type: 'string', format: 'date-time' },
    },
  };
  return {
    name: 'operation-event',
    title: 'Operation event',
    summary: 'A joint operation opened, started a phase, gained a participant or closed',
    description:
      'operation.opened and operation.phase-started are written once each when the clock reaches the period or phase start (the relay scans for them); operation.participant-added and operation.closed when the secretariat acts. Written through the outbox, so none is lost.',
    contentType: 'application/json',
    headers: {
      type: 'object',
      required: [
        'content-type',
        'ce_specversion',
        'ce_id',
        'ce_source',
        'ce_type',
        'ce_subject',
        'ce_time',
        'ce_operation',
      ],
      properties: {
        'content-type': { type: 'string', const: 'application/json' },
        ce_specversion: { type: 'string', const: '1.0' },
        ce_id: { type: 'string', description: 'Unique per event; dedupe on it' },
        ce_source: { type: 'string', format: 'uri-reference', description: 'Always /operations: the hub' },
        ce_type: { type: 'string', enum: [...HUB_OPERATION_EVENT_TYPES] },
        ce_subject: { type: 'string', description: 'The operation code (also the message key)' },
        ce_time: { type: 'string', format: 'date-time' },
        ce_operation: {
          type: 'string',
          pattern: OPERATION_CODE_PATTERN.source,
          description: 'The operation code',
        },
      },
    },
    payload: {
      type: 'object',
      required: ['code', 'name', 'period'],
      properties: {
        code: { type: 'string' },
        name: { type: 'string' },
        period: {
          type: 'object',
          required: ['start', 'end'],
          properties: {
            start: { type: 'string', format: 'date-time' },
            end: { type: 'string', format: 'date-time' },
          },
        },
        phase: phase,
        participant: {
          type: 'object',
          required: ['organization', 'role'],
          properties: {
            organization: { type: 'string' },
            role: { type: 'string', enum: [...OPERATION_ROLES] },
          },
        },
        closedAt: { type: 'string', format: 'date-time' },
      },
    },
    bindings: kafkaBinding({
      type: 'string',
      description: 'The operation code: an operation’s events stay in order',
    }),
  };
}

const RECORD_KEY: Node = {
  type: 'string',
  format: 'uuid',
  description: 'The record id: every version of a record lands on one partition, in order',
};

function kafkaBinding(key: Node): Node {
  return { kafka: { key, bindingVersion: '0.5.0' } };
}

function recordEvent(type: RecordType, options: AsyncApiOptions): Node {
  const noun = type === 'alert' ? 'alert' : 'seizure notice';
  return {
    name: `${type}-event`,
    title: `${noun[0].toUpperCase()}${noun.slice(1)} event`,
    summary: `A version of an ${noun} (published, updated or withdrawn) as a CloudEvent`,
    description: `The value is the ${noun} as the hub stores and serves it (id, version, status, originator, regions, countries, timestamps). ${WHY_SHORT_TYPES}`,
    contentType: 'application/json',
    headers: cloudEventHeaders(type),
    payload: { $ref: `${options.schemaBase}${RECORD_DATA_SCHEMAS[type]}.schema.json` },
    bindings: kafkaBinding(RECORD_KEY),
  };
}

/**
 * A notice about an alert (alert.feedback, alert.unacknowledged), in structured mode. It reaches
 * pull feeds and webhooks only; on Kafka it appears only written off to the delivery dead letters.
 */
const ALERT_NOTICE_PAYLOAD: Node = {
  type: 'object',
  required: ['specversion', 'id', 'source', 'type', 'subject', 'time', 'datacontenttype', 'data'],
  properties: {
    specversion: { const: '1.0' },
    id: { type: 'string', format: 'uuid' },
    source: { type: 'string', description: 'The hub: <hub public URL>/hub' },
    type: { type: 'string', enum: [...HUB_NOTICE_EVENT_TYPES] },
    subject: { type: 'string', format: 'uuid', description: 'The alert' },
    time: { type: 'string', format: 'date-time' },
    datacontenttype: { const: 'application/json' },
    data: {
      type: 'object',
      description:
        'alert.feedback: the feedback entry (id, alert, organization, type, seizure?, comment?, observedAt, createdAt, automatic). alert.unacknowledged: alert, originator, severity, acknowledgeWithin, dueAt, addressees, acknowledged, silentAddressees, escalatedAt.',
    },
  },
};

/** The recall: the core attributes and `recordversion` only, none of the record's routing facts. */
function recallEvent(options: AsyncApiOptions): Node {
  return {
    name: 'record-recall',
    title: 'Recall',
    summary:
      'A region lost a record: a revision narrowed its audience so that this stream may no longer carry it (alert.recalled, seizure.recalled)',
    description:
      'Written by the router on the regional stream of each region that carried the previous version of a record and may not carry the revision. It carries no content: the value names the record and the version since which it is withheld, and the headers hold none of the routing extensions (regions, countries, HS codes, categories, handling, originator). Consumers should forget what they kept of the record; what they already read cannot be unread.',
    contentType: 'application/json',
    headers: {
      type: 'object',
      required: [
        'content-type',
        'ce_specversion',
        'ce_id',
        'ce_source',
        'ce_type',
        'ce_subject',
        'ce_time',
        'ce_recordversion',
      ],
      properties: {
        'content-type': { type: 'string', const: 'application/json' },
        ce_specversion: { type: 'string', const: '1.0' },
        ce_id: { type: 'string', description: 'Unique per recall (derived from the narrowing event)' },
        ce_source: { type: 'string', format: 'uri-reference', description: 'As the narrowing event’s' },
        ce_type: { type: 'string', enum: [...HUB_RECALL_EVENT_TYPES] },
        ce_subject: { type: 'string', format: 'uuid', description: 'The record id (also the message key)' },
        ce_time: {
          type: 'string',
          format: 'date-time',
          description: 'When the narrowing version was written',
        },
        ce_recordversion: {
          type: 'string',
          pattern: '^[1-9][0-9]*$',
          description: 'The version since which the record is withheld',
        },
      },
    },
    payload: { $ref: `${options.schemaBase}HubRecallEvent.schema.json#/$defs/RecordRecall` },
    bindings: kafkaBinding(RECORD_KEY),
  };
}

function deadLetterHeaders(names: Record<string, string>, required: string[], descriptions: Node): Node {
  return {
    type: 'object',
    required,
    properties: Object.fromEntries(
      Object.entries(names).map(([field, header]) => [
        header,
        { type: 'string', description: descriptions[field] },
      ]),
    ),
  };
}

/** The AsyncAPI 3.0 document of every topic the hub writes, built from the topic catalog above. */
export function asyncApiDocument(options: AsyncApiOptions): Node {
  const topics = publishedTopics();
  const channels = Object.fromEntries(
    topics.map((topic) => [
      topic.channel,
      {
        address: topic.topic,
        title: topic.topic,
        description: topic.description,
        messages: Object.fromEntries(
          topic.messages.map((message) => [message, { $ref: `#/components/messages/${message}` }]),
        ),
        bindings: { kafka: { topic: topic.topic, bindingVersion: '0.5.0' } },
      },
    ]),
  );
  const operations = Object.fromEntries(
    topics.map((topic) => [
      `write-${topic.channel}`,
      {
        action: 'send',
        title: `The hub writes ${topic.topic}`,
        channel: { $ref: `#/channels/${topic.channel}` },
        messages: topic.messages.map((message) => ({
          $ref: `#/channels/${topic.channel}/messages/${message}`,
        })),
      },
    ]),
  );
  return {
    asyncapi: '3.0.0',
    info: {
      title: 'Cosmo Hub event streams',
      version: '1',
      description: [
        'The Kafka topics Cosmo Hub writes: the canonical history of alerts and seizure notices, one regional stream per WCO region for RILO nodes, and the operator’s dead-letter topics.',
        'Events are CloudEvents 1.0 in the Kafka protocol binding’s binary mode: the record is the JSON value, the attributes are `ce_` headers, the key is the record id. Delivery is at least once: dedupe on `ce_id`.',
        WHY_SHORT_TYPES,
        'The REST API (pull feeds, webhooks) is described by the OpenAPI document at /docs-json.',
      ].join('\n\n'),
      license: { name: 'Proprietary: use under the terms of the hub operator' },
    },
    defaultContentType: 'application/json',
    servers: {
      external: {
        host: '{host}:{port}',
        protocol: 'kafka-secure',
        description:
          'The broker’s external listener (SASL_SSL): each RILO node authenticates with the SCRAM-SHA-512 credentials the operator issued it, and is authorized to read its own region’s stream with consumer groups under `<organization code>.`.',
        variables: {
          host: { default: 'localhost', description: 'Host name of the hub’s broker' },
          port: { default: '9094', description: 'KAFKA_EXTERNAL_PORT' },
        },
        security: [{ $ref: '#/components/securitySchemes/scram' }],
      },
    },
    channels,
    operations,
    components: {
      securitySchemes: {
        scram: {
          type: 'scramSha512',
          description:
            'SASL/SCRAM-SHA-512 over TLS (SASL_SSL), with the username and password the operator issued the organization.',
        },
      },
      messages: {
        alertEvent: recordEvent('alert', options),
        seizureEvent: recordEvent('seizure', options),
        recordRecall: recallEvent(options),
        operationEvent: operationEvent(),
        alertNotice: {
          name: 'alert-notice',
          title: 'Alert notice (pull feeds and webhooks only)',
          summary:
            'alert.feedback to the originator (subscriptions whose filter types name feedback); alert.unacknowledged to the originator and the RILOs of silent addressees (types naming escalation). Never on a canonical or regional topic.',
          contentType: 'application/cloudevents+json',
          payload: ALERT_NOTICE_PAYLOAD,
        },
        deliveryDeadLetter: {
          name: 'delivery-dead-letter',
          title: 'Webhook delivery written off',
          summary: 'The CloudEvent a webhook endpoint never accepted, in structured mode, and why',
          contentType: 'application/cloudevents+json',
          headers: deadLetterHeaders(
            DELIVERY_DEAD_LETTER_HEADERS,
            [
              'hub_subscription_id',
              'hub_delivery_id',
              'hub_event_id',
              'hub_attempts',
              'hub_failure_reason',
              'hub_failed_at',
            ],
            {
              subscriptionId: 'The subscription the delivery was for',
              deliveryId: 'The delivery (GET /v1/subscriptions/{id}/deliveries)',
              eventId: 'The CloudEvent id',
              attempts: 'Attempts made',
              lastStatusCode: 'What the endpoint last answered, if it answered',
              reason: 'Why the delivery was written off',
              failedAt: 'When (RFC 3339)',
            },
          ),
          payload: {
            oneOf: [
              { $ref: `${options.schemaBase}HubCloudEvent.schema.json` },
              { $ref: `${options.schemaBase}HubRecallEvent.schema.json` },
              ALERT_NOTICE_PAYLOAD,
            ],
          },
          bindings: kafkaBinding({ type: 'string', format: 'uuid', description: 'The subscription id' }),
        },
        routerDeadLetter: {
          name: 'router-dead-letter',
          title: 'Canonical message refused by the router',
          summary: 'The key and value exactly as read from the canonical topic, and why they were refused',
          contentType: 'application/octet-stream',
          headers: deadLetterHeaders(ROUTER_DEAD_LETTER_HEADERS, Object.values(ROUTER_DEAD_LETTER_HEADERS), {
            sourceTopic: 'The canonical topic the message was read from',
            sourcePartition: 'Its partition there',
            sourceOffset: 'Its offset there',
            error:
              'Why it was refused: `unverified provenance: …` when the relay did not sign it, else why it could not be decoded (at most 500 characters)',
          }),
          payload: { description: 'The value as received, unparsed' },
          bindings: kafkaBinding({ type: 'string', description: 'The key as received' }),
        },
      },
    },
  };
}

/** The document as YAML, as committed in docs/asyncapi.yaml and served at /docs/asyncapi.yaml. */
export function renderAsyncApiYaml(options: AsyncApiOptions): string {
  return stringify(asyncApiDocument(options), { lineWidth: 0, aliasDuplicateObjects: false });
}
