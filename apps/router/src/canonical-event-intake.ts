import { Logger } from '@nestjs/common';
import type { KafkaMessage as ConsumedMessage } from 'kafkajs';
import {
  DEAD_LETTER_TOPICS,
  decodeKafkaMessage,
  type HubCloudEvent,
  type ProvenanceVerifier,
  type PublishedRecord,
  ROUTER_DEAD_LETTER_HEADERS,
} from '@hub/contracts';
import type { OutgoingMessage } from '@hub/messaging';
import type { AuditEntry } from '@hub/persistence';
import type { HubMetrics } from '@hub/platform';

/** The start of the dead-letter reason of a message the relay did not sign (or that was altered since). */
export const UNVERIFIED_PROVENANCE = 'unverified provenance';

/** Where a consumed message came from. */
export interface MessageOrigin {
  topic: string;
  partition: number;
}

/** What the intake made of a batch: the events to route, and the refused messages set aside. */
export interface IntakeResult {
  events: HubCloudEvent<PublishedRecord>[];
  deadLetters: OutgoingMessage[];
  refusals: AuditEntry[];
}

/** A claimed attribute of a refused message, fit for the audit detail: bounded, without control characters. */
function claimed(value: Buffer | string | readonly (Buffer | string)[] | undefined): string | null {
  if (value === undefined) return null;
  const first: Buffer | string = Array.isArray(value)
    ? (value as (Buffer | string)[])[0]
    : (value as Buffer | string);
  // Controls would spoil a log line or an analyst's screen, and jsonb refuses NUL.
  const text = String(first ?? '');
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, '?').slice(0, 200);
}

/** The dead letter carries the message's key and value with the reason, never its provenance header. */
export function deadLetterOf(
  origin: MessageOrigin,
  message: ConsumedMessage,
  reason: string,
): OutgoingMessage {
  return {
    topic: DEAD_LETTER_TOPICS.router,
    key: message.key?.toString() ?? 'unknown',
    value: message.value ?? '',
    headers: {
      [ROUTER_DEAD_LETTER_HEADERS.sourceTopic]: origin.topic,
      [ROUTER_DEAD_LETTER_HEADERS.sourcePartition]: String(origin.partition),
      [ROUTER_DEAD_LETTER_HEADERS.sourceOffset]: message.offset,
      [ROUTER_DEAD_LETTER_HEADERS.error]: reason.slice(0, 500),
    },
  };
}

/**
 * The audit entry of a refused message names what the message claimed, as claims (no record or
 * event id): a forgery about a real record must not read as an access to that record.
 */
export function refusalOf(origin: MessageOrigin, message: ConsumedMessage, reason: string): AuditEntry {
  const { topic, partition } = origin;
  const headers = message.headers ?? {};
  return {
    action: 'event.dead-lettered',
    actor: { type: 'service', code: 'router' },
    outcome: 'refused',
    resourceType: 'canonical-event',
    resourceId: `${topic}/${partition}/${message.offset}`,
    detail: {
      reason: reason.slice(0, 500),
      topic,
      partition,
      offset: message.offset,
      claimed: {
        id: claimed(headers.ce_id),
        type: claimed(headers.ce_type),
        source: claimed(headers.ce_source),
        subject: claimed(headers.ce_subject),
        key: message.key ? claimed(message.key) : null,
      },
    },
    dedupeKey: `dead-letter:${topic}:${partition}:${message.offset}`,
  };
}

/**
 * The router's customs post for canonical messages: verifies that the relay published each one,
 * then decodes and validates it. A message that fails either is set aside on the dead-letter
 * topic with the reason, and audited as refused; nothing of it is routed.
 */
export class CanonicalEventIntake {
  private readonly logger = new Logger(CanonicalEventIntake.name);
  private readonly deadLettered;

  constructor(
    private readonly provenance: ProvenanceVerifier,
    metrics: HubMetrics,
  ) {
    this.deadLettered = metrics.counter(
      'hub_router_dead_letters_total',
      'Canonical messages set aside: unverified provenance, or undecodable',
      ['reason'],
    );
  }

  take(origin: MessageOrigin, messages: readonly ConsumedMessage[]): IntakeResult {
    const result: IntakeResult = { events: [], deadLetters: [], refusals: [] };
    for (const message of messages) {
      const event = this.admit(origin, message, result);
      if (event) result.events.push(event);
    }
    return result;
  }

  private admit(
    origin: MessageOrigin,
    message: ConsumedMessage,
    result: IntakeResult,
  ): HubCloudEvent<PublishedRecord> | null {
    const provenance = this.provenance.verify(origin.topic, message);
    if (!provenance.verified) {
      this.setAside(origin, message, `${UNVERIFIED_PROVENANCE}: ${provenance.problem}`, result);
      return null;
    }
    try {
      return decodeKafkaMessage(message);
    } catch (error) {
      this.setAside(origin, message, error instanceof Error ? error.message : String(error), result);
      return null;
    }
  }

  private setAside(
    origin: MessageOrigin,
    message: ConsumedMessage,
    reason: string,
    result: IntakeResult,
  ): void {
    const unverified = reason.startsWith(UNVERIFIED_PROVENANCE);
    this.deadLettered.inc({ reason: unverified ? 'provenance' : 'undecodable' });
    this.logger.warn({
      msg: unverified ? 'unverified event refused' : 'undecodable event set aside',
      topic: origin.topic,
      partition: origin.partition,
      offset: message.offset,
      reason,
    });
    result.deadLetters.push(deadLetterOf(origin, message, reason));
    result.refusals.push(refusalOf(origin, message, reason));
  }
}
