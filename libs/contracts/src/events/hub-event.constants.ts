import type { RecordType } from '../records/record.enums';
import type { RegionCode } from '../taxonomy/wco-region.taxonomy';

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

/** Canonical topics: every version of every record, keyed by record id so a record's versions stay in order. */
export const TOPICS = { alerts: 'hub.alerts.v1', seizures: 'hub.seizures.v1' } as const;

export type CanonicalTopic = (typeof TOPICS)[keyof typeof TOPICS];
export type RegionalTopic = `hub.region.${RegionCode}.v1`;

export function canonicalTopicFor(type: RecordType): CanonicalTopic {
  return type === 'alert' ? TOPICS.alerts : TOPICS.seizures;
}

/** Events the router cannot decode go here with the reason, instead of blocking their partition. */
export const ROUTER_DEAD_LETTER_TOPIC = 'hub.router.dead-letter.v1';

/** Per-region stream fed by the router after the handling rule has been applied. */
export function regionalTopic(region: RegionCode): RegionalTopic {
  return `hub.region.${region}.v1`;
}

/**
 * How the router creates the regional topics. Unlike the canonical topics (the replayable history,
 * kept forever), a regional stream is derived: the router can rebuild it from the canonical topics,
 * so it keeps 30 days, long enough for a RILO consumer to come back from a long outage or holiday
 * shutdown without a replay. Each carries a fraction of the canonical traffic, so 3 partitions (half
 * the canonical default) give consumers some parallelism while six regions stay cheap on one broker;
 * keyed by record id like the canonical topics, a record's versions stay in order.
 */
export const REGIONAL_TOPIC_SPEC = { partitions: 3, retentionMs: 30 * 24 * 60 * 60 * 1000 } as const;

/** 'alert.updated' -> 'alert'. */
export function recordTypeOfEvent(type: HubEventType): RecordType {
  return type.startsWith('alert.') ? 'alert' : 'seizure';
}

export function isWithdrawalEvent(type: HubEventType): boolean {
  return type === EVENT_TYPES.alertWithdrawn || type === EVENT_TYPES.seizureWithdrawn;
}
