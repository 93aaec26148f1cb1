import type { RecordType } from '../records/record.enums';

/** CloudEvents `type` values. A breaking change to an event is a new topic version, never an edit. */
export const EVENT_TYPES = {
  alertPublished: 'alert.published',
  alertUpdated: 'alert.updated',
  alertWithdrawn: 'alert.withdrawn',
  seizurePublished: 'seizure.published',
  seizureUpdated: 'seizure.updated',
  seizureWithdrawn: 'seizure.withdrawn',
} as const;

export type HubEventType = (typeof EVENT_TYPES)[keyof typeof EVENT_TYPES];

export const HUB_EVENT_TYPES: readonly HubEventType[] = Object.freeze(Object.values(EVENT_TYPES));

/** 'alert.updated' -> 'alert'. */
export function recordTypeOfEvent(type: HubEventType): RecordType {
  return type.startsWith('alert.') ? 'alert' : 'seizure';
}

/**
 * CloudEvents `type` of a recall: the hub's own notice, to those who received a record and may no
 * longer read it since a revision, that they must forget it. It never reaches the canonical topics.
 */
export const RECALL_EVENT_TYPES = { alert: 'alert.recalled', seizure: 'seizure.recalled' } as const;

export type RecallEventType = (typeof RECALL_EVENT_TYPES)[RecordType];

export const HUB_RECALL_EVENT_TYPES: readonly RecallEventType[] = Object.freeze(
  Object.values(RECALL_EVENT_TYPES),
);

/**
 * CloudEvents `type` of the hub's notices about an alert: feedback to its originator, and the
 * escalation of addressees that stayed silent. Written only to the feeds of subscriptions that ask
 * for them (filter `types` `feedback` / `escalation`); never on canonical or regional topics.
 */
export const NOTICE_EVENT_TYPES = {
  alertFeedback: 'alert.feedback',
  alertUnacknowledged: 'alert.unacknowledged',
} as const;

export type NoticeEventType = (typeof NOTICE_EVENT_TYPES)[keyof typeof NOTICE_EVENT_TYPES];

export const HUB_NOTICE_EVENT_TYPES: readonly NoticeEventType[] = Object.freeze(
  Object.values(NOTICE_EVENT_TYPES),
);

/** Subscription filter `types` naming notices rather than records; only a filter naming one gets them. */
export const NOTICE_KINDS = ['feedback', 'escalation'] as const;
export type NoticeKind = (typeof NOTICE_KINDS)[number];

export const NOTICE_EVENT_TYPE_OF_KIND: Record<NoticeKind, NoticeEventType> = {
  feedback: NOTICE_EVENT_TYPES.alertFeedback,
  escalation: NOTICE_EVENT_TYPES.alertUnacknowledged,
};

export function isWithdrawalEvent(type: HubEventType): boolean {
  return type === EVENT_TYPES.alertWithdrawn || type === EVENT_TYPES.seizureWithdrawn;
}

/** Where the gateway publishes the shipped JSON Schemas: `<hub public URL>/schemas/<Name>.schema.json`. */
export const SCHEMA_PUBLICATION_PATH = '/schemas';

/** Schema of the record a `<type>.*` event carries in `data`. */
export const RECORD_DATA_SCHEMAS = { alert: 'PublishedAlert', seizure: 'PublishedSeizureNotice' } as const;

function withoutTrailingSlash(url: string): string {
  return url.replace(/\/+$/, '');
}

/**
 * CloudEvents `source`: an absolute URI (as the spec recommends) naming the originator under the
 * hub's public base URL, e.g. `https://hub.example/organizations/fr-douane`.
 */
export function organizationSource(hubPublicUrl: string, organizationCode: string): string {
  return `${withoutTrailingSlash(hubPublicUrl)}/organizations/${organizationCode}`;
}

/** CloudEvents `dataschema`: the published JSON Schema of the record in `data`. */
export function recordDataSchema(hubPublicUrl: string, type: RecordType): string {
  return `${withoutTrailingSlash(hubPublicUrl)}${SCHEMA_PUBLICATION_PATH}/${RECORD_DATA_SCHEMAS[type]}.schema.json`;
}

/** Headers of a webhook dead letter, beside `content-type: application/cloudevents+json`. */
export const DELIVERY_DEAD_LETTER_HEADERS = {
  subscriptionId: 'hub_subscription_id',
  deliveryId: 'hub_delivery_id',
  eventId: 'hub_event_id',
  attempts: 'hub_attempts',
  lastStatusCode: 'hub_last_status_code',
  reason: 'hub_failure_reason',
  failedAt: 'hub_failed_at',
} as const;

/** Headers of a router dead letter: where the message was read, and why it was refused. */
export const ROUTER_DEAD_LETTER_HEADERS = {
  sourceTopic: 'hub-source-topic',
  sourcePartition: 'hub-source-partition',
  sourceOffset: 'hub-source-offset',
  error: 'hub-error',
} as const;
