// The topic catalog: every Kafka topic the hub writes, by name and by how it is created. The
// services create theirs from it, their ACLs and the AsyncAPI document derive from it.
import type { RecordType } from '../records/record.enums';
import { REGION_NAMES, WCO_REGIONS, type RegionCode } from '../taxonomy/wco-region.taxonomy';

const DAY_MS = 24 * 60 * 60 * 1000;

/** Canonical topics: every version of every record, keyed by record id so a record's versions stay in order. */
export const TOPICS = { alerts: 'hub.alerts.v1', seizures: 'hub.seizures.v1' } as const;

export type CanonicalTopic = (typeof TOPICS)[keyof typeof TOPICS];

/** The life of joint operations (opened, phase started, participant added, closed), keyed by operation code. */
export const OPERATIONS_TOPIC = 'hub.operations.v1';
export type RegionalTopic = `hub.region.${RegionCode}.v1`;

export function canonicalTopicFor(type: RecordType): CanonicalTopic {
  return type === 'alert' ? TOPICS.alerts : TOPICS.seizures;
}

/** Per-region stream fed by the router after the handling rule has been applied. */
export function regionalTopic(region: RegionCode): RegionalTopic {
  return `hub.region.${region}.v1`;
}

/** Where messages the hub could not handle are set aside, with the reason in headers. */
export const DEAD_LETTER_TOPICS = {
  /** Webhook deliveries that ran out of attempts: key subscription id, value the structured CloudEvent. */
  deliveries: 'hub.deliveries.dead-letter.v1',
  /** Canonical messages the router could not decode: key and value as received. */
  router: 'hub.router.dead-letter.v1',
} as const;

/** How a topic is created when it does not exist yet; an existing topic is left as it is. */
export interface TopicSpec {
  topic: string;
  partitions: number;
  /** Milliseconds; -1 keeps every event. */
  retentionMs: number;
}

/** The service that writes a topic, and so creates it. */
export type TopicWriter = 'relay' | 'router' | 'notifier';

/** A topic the hub writes: its spec, its writer, and its channel in the AsyncAPI document. */
export interface PublishedTopic extends TopicSpec {
  /** AsyncAPI channel id. */
  channel: string;
  kind: 'canonical' | 'operations' | 'regional' | 'dead-letter';
  writer: TopicWriter;
  /** Component message ids the topic carries. */
  messages: string[];
  description: string;
}

/**
 * The canonical topics are the replayable history: kept forever. 6 partitions unless the relay's
 * CANONICAL_TOPIC_PARTITIONS says otherwise when it creates them.
 */
export const CANONICAL_TOPIC_SPEC = { partitions: 6, retentionMs: -1 } as const;

/** Few events (a handful per operation): one partition keeps them all in order. Kept forever. */
export const OPERATIONS_TOPIC_SPEC = { partitions: 1, retentionMs: -1 } as const;

/**
 * How the router creates the regional topics. Unlike the canonical topics (the replayable history,
 * kept forever), a regional stream is derived: the router can rebuild it from the canonical topics,
 * so it keeps 30 days, long enough for a RILO consumer to come back from a long outage or holiday
 * shutdown without a replay. Each carries a fraction of the canonical traffic, so 3 partitions (half
 * the canonical default) give consumers some parallelism while six regions stay cheap on one broker;
 * keyed by record id like the canonical topics, a record's versions stay in order.
 */
export const REGIONAL_TOPIC_SPEC = { partitions: 3, retentionMs: 30 * DAY_MS } as const;

/** Dead letters wait 30 days for the operator, as long as a regional stream keeps its events. */
export const DEAD_LETTER_TOPIC_SPECS = {
  deliveries: { partitions: 3, retentionMs: 30 * DAY_MS },
  router: { partitions: 1, retentionMs: 30 * DAY_MS },
} as const;

/** Every topic the hub writes, one entry each: what the services create and the AsyncAPI document lists. */
export function publishedTopics(): PublishedTopic[] {
  return [
    {
      channel: 'alerts',
      topic: TOPICS.alerts,
      ...CANONICAL_TOPIC_SPEC,
      kind: 'canonical',
      writer: 'relay',
      messages: ['alertEvent'],
      description:
        'Every version of every alert (published, updated, withdrawn), written by the relay; the replayable history, kept forever. Read by the hub only: never granted to organizations.',
    },
    {
      channel: 'seizures',
      topic: TOPICS.seizures,
      ...CANONICAL_TOPIC_SPEC,
      kind: 'canonical',
      writer: 'relay',
      messages: ['seizureEvent'],
      description:
        'Every version of every seizure notice, written by the relay; kept forever. Read by the hub only: never granted to organizations.',
    },
    {
      channel: 'operations',
      topic: OPERATIONS_TOPIC,
      ...OPERATIONS_TOPIC_SPEC,
      kind: 'operations',
      writer: 'relay',
      messages: ['operationEvent'],
      description:
        'The life of joint operations (operation.opened, operation.phase-started, operation.participant-added, operation.closed), written by the relay from the outbox like records; kept forever. The records themselves stay on the canonical topics. Read by the hub only: never granted to organizations.',
    },
    ...WCO_REGIONS.map((region): PublishedTopic => ({
      channel: `region-${region}`,
      topic: regionalTopic(region),
      ...REGIONAL_TOPIC_SPEC,
      kind: 'regional',
      writer: 'router',
      messages: ['alertEvent', 'seizureEvent', 'recordRecall'],
      description: `The regional stream of ${REGION_NAMES[region]}: every event that concerns the region and that every RILO of the region may read (handling community, members or region; never restricted), and the recall of a record a revision took from the region. Written by the router; kept ${REGIONAL_TOPIC_SPEC.retentionMs / DAY_MS} days on ${REGIONAL_TOPIC_SPEC.partitions} partitions. The stream RILO nodes consume.`,
    })),
    {
      channel: 'deliveries-dead-letter',
      topic: DEAD_LETTER_TOPICS.deliveries,
      ...DEAD_LETTER_TOPIC_SPECS.deliveries,
      kind: 'dead-letter',
      writer: 'notifier',
      messages: ['deliveryDeadLetter'],
      description:
        'Webhook deliveries that ran out of attempts, written by the notifier for the operator. Not granted to organizations.',
    },
    {
      channel: 'router-dead-letter',
      topic: DEAD_LETTER_TOPICS.router,
      ...DEAD_LETTER_TOPIC_SPECS.router,
      kind: 'dead-letter',
      writer: 'router',
      messages: ['routerDeadLetter'],
      description:
        'Canonical messages the router refused to route (undecodable, invalid, inconsistent), as received, for the operator. Not granted to organizations.',
    },
  ];
}

/** The topics a service writes and creates at start-up (and is granted to write: see service-principals). */
export function topicsWrittenBy(writer: TopicWriter): TopicSpec[] {
  return publishedTopics()
    .filter((topic) => topic.writer === writer)
    .map(({ topic, partitions, retentionMs }) => ({ topic, partitions, retentionMs }));
}
