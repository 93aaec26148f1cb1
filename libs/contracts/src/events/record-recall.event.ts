// Decorators below read design-time types; the polyfill must load before any class is defined.
import 'reflect-metadata';
import { createHash } from 'node:crypto';
import { IsIn, IsInt, Max, Min } from 'class-validator';
import { PUBLISHED_ATTRIBUTE_LIMITS } from '../records/record.limits';
import type { PublishedRecord } from '../records/published-record.record';
import type { HubNoticeEvent } from '../feedback/alert-notice.event';
import { IsDateTime, Nested, Reference, Text } from '../validation/field.validators';
import { validateAgainst, type FieldViolation } from '../validation/shape.validation';
import { EnvelopeError, type HubCloudEvent } from './hub-cloud-event.envelope';
import {
  HUB_RECALL_EVENT_TYPES,
  RECALL_EVENT_TYPES,
  type RecallEventType,
  recordTypeOfEvent,
} from './hub-event.constants';

/** What a recall says of the record: which one, and the version since which the reader may not read it. */
export class RecordRecall {
  @Reference()
  id!: string;

  @IsInt()
  @Min(1)
  @Max(1_000_000)
  version!: number;
}

/**
 * `<type>.recalled`: a CloudEvent with no content. It names the record (`subject`, `data.id`) and the
 * version that took it from the reader (`recordversion`, `data.version`), and nothing else: none of
 * the routing extensions of a record event (regions, countries, HS codes, categories, handling,
 * originator), since the reader may no longer know what the record now says or who may read it.
 * `source` is the narrowing event's (the originator, whom the reader already knew from the version
 * it received).
 */
export interface HubRecallEvent {
  specversion: '1.0';
  id: string;
  source: string;
  type: RecallEventType;
  subject: string;
  time: string;
  datacontenttype: 'application/json';
  recordversion: number;
  data: RecordRecall;
}

/**
 * What a feed entry, a webhook delivery or a regional message carries: a record event or a recall;
 * feeds and deliveries also a notice about an alert (never a regional message).
 */
export type HubFeedEvent = HubRegionalEvent | HubNoticeEvent;

/** What a regional message carries: a record event or a recall. */
export type HubRegionalEvent = HubCloudEvent<PublishedRecord> | HubRecallEvent;

/** The recall envelope, validated on decode and described as a JSON Schema. */
export class HubRecallEventAttributes {
  @IsIn(['1.0'])
  specversion!: '1.0';

  @Text(PUBLISHED_ATTRIBUTE_LIMITS.id)
  id!: string;

  @Text(PUBLISHED_ATTRIBUTE_LIMITS.uri)
  source!: string;

  @IsIn(HUB_RECALL_EVENT_TYPES)
  type!: RecallEventType;

  @Reference()
  subject!: string;

  @IsDateTime()
  time!: string;

  @IsIn(['application/json'])
  datacontenttype!: 'application/json';

  @IsInt()
  @Min(1)
  @Max(1_000_000)
  recordversion!: number;

  @Nested(() => RecordRecall)
  data!: RecordRecall;
}

export function isRecallEvent(event: { type: string }): event is HubRecallEvent {
  return (HUB_RECALL_EVENT_TYPES as readonly string[]).includes(event.type);
}

/**
 * The recall's id, derived from the narrowing event's: a router repeating a batch after a crash
 * writes the same recall again, which feeds, deliveries and consumers dedupe like any event.
 */
export function recallEventId(narrowingEventId: string): string {
  const hex = createHash('sha256').update(`recalled:${narrowingEventId}`).digest('hex');
  // An RFC 9562 version 8 (custom) UUID: the version and variant bits set, the rest from the digest.
  return [
    hex.slice(0, 8),
    hex.slice(8, 12),
    `8${hex.slice(13, 16)}`,
    `${((parseInt(hex[16], 16) & 0x3) | 0x8).toString(16)}${hex.slice(17, 20)}`,
    hex.slice(20, 32),
  ].join('-');
}

/** The recall of a record by the revision (or withdrawal) that narrowed its audience. */
export function buildRecallEvent(narrowing: HubCloudEvent<PublishedRecord>): HubRecallEvent {
  return {
    specversion: '1.0',
    id: recallEventId(narrowing.id),
    source: narrowing.source,
    type: RECALL_EVENT_TYPES[recordTypeOfEvent(narrowing.type)],
    subject: narrowing.subject,
    time: narrowing.time,
    datacontenttype: 'application/json',
    recordversion: narrowing.data.version,
    data: { id: narrowing.subject, version: narrowing.data.version },
  };
}

/** Checks a decoded recall: its attributes, and that `data` names the same record and version. */
export function assertValidRecallEvent(event: object): HubRecallEvent {
  const checked = validateAgainst<HubRecallEvent>(HubRecallEventAttributes, event);
  if (!checked.ok) throw new EnvelopeError('invalid-attributes', checked.violations);
  const recall = checked.value;
  const inconsistent: FieldViolation[] = [];
  if (recall.data.id !== recall.subject)
    inconsistent.push({ field: 'data.id', reason: 'must be the subject' });
  if (recall.data.version !== recall.recordversion)
    inconsistent.push({ field: 'data.version', reason: 'must be the recordversion' });
  if (inconsistent.length > 0) throw new EnvelopeError('inconsistent', inconsistent);
  return recall;
}
