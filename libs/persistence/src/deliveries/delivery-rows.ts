import type {
  HubEventType,
  HubFeedEvent,
  OrganizationKind,
  PublishedRecord,
  RegionCode,
} from '@hub/contracts';

// What DeliveryClaims, DeliveryOutcomes and DeliveryLog share: the delivery shapes they answer and take
// (their statements run through statements.ts).

export const DELIVERY_STATUSES = ['pending', 'delivered', 'failed', 'cancelled'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];
/** Why the hub withdrew a delivery itself: its organization was suspended, or the record recalled from it. */
export const DELIVERY_CANCEL_REASONS = ['organization-suspended', 'recalled'] as const;
export type DeliveryCancelReason = (typeof DELIVERY_CANCEL_REASONS)[number];
export type DeliveryAttemptOutcome = 'delivered' | 'failed' | 'timeout' | 'refused';

/** A delivery leased to one notifier, with what it needs to send it. */
export interface ClaimedDelivery {
  id: string;
  subscriptionId: string;
  feedEntryId: string;
  eventId: string;
  /** Attempts already made in this round (0 for a new or re-queued delivery). */
  attempts: number;
  lastStatusCode: number | null;
  lastError: string | null;
  /** Proof of the lease: outcomes are written only while it is still this claim's. */
  leaseUntil: Date;
  webhookUrl: string;
  /** The signing secret, sealed (`SecretBox` from @hub/webhooks); never log it opened. */
  secretCiphertext: string;
  /** The whole CloudEvent, `data` included: a record event, or a recall (no content). */
  event: HubFeedEvent;
  /** The record's current version (null if none is stored): the subscriber must still be allowed it. */
  current: PublishedRecord | null;
  /** The subscription's organization as the handling rule reads it (a ReaderProfile of @hub/matching). */
  subscriber: {
    code: string;
    kind: OrganizationKind;
    country?: string;
    region?: RegionCode;
    operations?: string[];
  };
}

export interface DeliveryAttemptRecord {
  startedAt: Date;
  latencyMs: number;
  statusCode: number | null;
  outcome: DeliveryAttemptOutcome;
  error: string | null;
}

export interface DeliveryAttemptView extends DeliveryAttemptRecord {
  /** Numbered over the delivery's whole history (a re-queued delivery continues the count). */
  attempt: number;
}

export interface DeliveryView {
  id: string;
  subscriptionId: string;
  eventId: string;
  eventType: HubEventType;
  recordId: string;
  status: DeliveryStatus;
  /** Why a cancelled delivery was withdrawn (null unless cancelled). */
  cancelReason: DeliveryCancelReason | null;
  attempts: number;
  /** When the next attempt is due (pending deliveries only). */
  nextAttemptAt: Date | null;
  lastStatusCode: number | null;
  lastError: string | null;
  createdAt: Date;
  completedAt: Date | null;
  attemptLog: DeliveryAttemptView[];
}

export interface DeliveryPage {
  deliveries: DeliveryView[];
  /** Pass as `before` for the next (older) page; null on the last page. */
  nextCursor: string | null;
}

export interface DeliveryBacklog {
  /** Pending deliveries of active webhook subscriptions. */
  pending: number;
  /** Of those, due now (an attempt is owed). */
  due: number;
  /** Age of the longest-overdue attempt. */
  oldestDueSeconds: number;
  /** Pending deliveries held by paused subscriptions. */
  held: number;
}

export type RequeueOutcome = 'requeued' | 'not-found' | 'in-flight' | 'already-delivered';

/** What proves a claim still holds: outcomes are written only under the lease they were claimed with. */
export type DeliveryLease = Pick<ClaimedDelivery, 'id' | 'subscriptionId' | 'leaseUntil'>;

/** What one claim leased, and what it saw of the rest (DeliveryClaims.claim). */
export interface DeliveryClaim {
  claimed: ClaimedDelivery[];
  /** A due head waits behind transactions still running: look again soon. */
  heldBack: boolean;
  /** A pending delivery waits behind a leased head: claim again once a head is done with. */
  behindLease: boolean;
}
