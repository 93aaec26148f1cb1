import type { OperationRole } from '../operations/operation.contract';

/** CloudEvents `type` values of an operation's life, on hub.operations.v1. */
export const OPERATION_EVENT_TYPES = {
  opened: 'operation.opened',
  phaseStarted: 'operation.phase-started',
  participantAdded: 'operation.participant-added',
  closed: 'operation.closed',
} as const;
export type OperationEventType = (typeof OPERATION_EVENT_TYPES)[keyof typeof OPERATION_EVENT_TYPES];
export const HUB_OPERATION_EVENT_TYPES: readonly OperationEventType[] = Object.freeze(
  Object.values(OPERATION_EVENT_TYPES),
);

/** What an operation event says: the operation, and the phase or participant concerned. */
export interface OperationEventData {
  code: string;
  name: string;
  period: { start: string; end: string };
  /** operation.phase-started: the phase, by its position in the operation's phases. */
  phase?: { index: number; name: string; start: string; end: string };
  /** operation.participant-added. */
  participant?: { organization: string; role: OperationRole };
  /** operation.closed. */
  closedAt?: string;
}

/**
 * A CloudEvents 1.0 event of an operation's life; `operation` (the `ce_operation` header) names the
 * operation, as on the records that belong to it. Keyed by the operation's code on the topic, so an
 * operation's events stay in order.
 */
export interface HubOperationEvent {
  specversion: '1.0';
  id: string;
  source: string;
  type: OperationEventType;
  /** The operation's code. */
  subject: string;
  time: string;
  datacontenttype: 'application/json';
  operation: string;
  data: OperationEventData;
}

/**
 * The hub itself is the source of an operation's events (the secretariat acts through it, the
 * clock opens phases): one URI-reference for all, whichever service writes the event.
 */
export const OPERATION_EVENT_SOURCE = '/operations';

export function buildOperationEvent(
  id: string,
  type: OperationEventType,
  time: Date,
  data: OperationEventData,
): HubOperationEvent {
  return {
    specversion: '1.0',
    id,
    source: OPERATION_EVENT_SOURCE,
    type,
    subject: data.code,
    time: time.toISOString(),
    datacontenttype: 'application/json',
    operation: data.code,
    data,
  };
}
