// Decorators below read design-time types; the polyfill must load before any class is defined.
import 'reflect-metadata';
import { IsIn } from 'class-validator';
import type { Severity } from '../records/record.enums';
import { IsDateTime, IsNotInFuture, Optional, Prose, Reference } from '../validation/field.validators';
import { validateAgainst, type ValidationResult } from '../validation/shape.validation';

/**
 * What a front-line office answers to an alert (STIX 2.1 calls the positive case a sighting):
 * `received` it was read; `checked-no-find` the consignment was checked and nothing found; `hit`
 * something was found; `false-positive` the indicator matched something legitimate;
 * `not-relevant` the alert does not concern the office. Any of them acknowledges the alert.
 */
export const FEEDBACK_TYPES = [
  'received',
  'checked-no-find',
  'hit',
  'false-positive',
  'not-relevant',
] as const;
export type FeedbackType = (typeof FEEDBACK_TYPES)[number];

/** Bound of a feedback comment: a note to the originator, not a report. */
export const FEEDBACK_COMMENT_LIMIT = 2_000;

/** The body of POST /v1/alerts/{id}/feedback. */
export class AlertFeedbackSubmission {
  @IsIn(FEEDBACK_TYPES)
  type!: FeedbackType;

  /** Hub id of a seizure notice the caller may read (typically its own) that the feedback reports. */
  @Optional()
  @Reference()
  seizure?: string;

  @Optional()
  @Prose(FEEDBACK_COMMENT_LIMIT)
  comment?: string;

  /** When the office looked or found (defaults to when the hub received the feedback). */
  @Optional()
  @IsDateTime()
  @IsNotInFuture()
  observedAt?: string;
}

export function validateFeedback(body: unknown): ValidationResult<AlertFeedbackSubmission> {
  return validateAgainst<AlertFeedbackSubmission>(AlertFeedbackSubmission, body);
}

/** One feedback entry as the originator, the Secretariat and its author see it. */
export interface AlertFeedbackEntry {
  id: string;
  alert: string;
  organization: string;
  type: FeedbackType;
  seizure?: string;
  comment?: string;
  observedAt: string;
  createdAt: string;
  /** Written by the hub from a seizure notice naming the alert in `relatedAlerts`. */
  automatic: boolean;
}

/** `data` of an `alert.feedback` event: the entry, for the originator's subscriptions of type `feedback`. */
export type AlertFeedbackNotice = AlertFeedbackEntry;

/** `data` of an `alert.unacknowledged` event, for the originator and the RILOs of the silent addressees. */
export interface AlertEscalationNotice {
  alert: string;
  originator: string;
  severity: Severity;
  acknowledgeWithin: string;
  dueAt: string;
  /** Organizations on the route that may read the alert, and how many of them acknowledged. */
  addressees: number;
  acknowledged: number;
  /** Codes of the addressees that gave no feedback in time, sorted. */
  silentAddressees: string[];
  escalatedAt: string;
}

/** Acknowledgement figures of an alert, for its originator and the Secretariat. */
export interface AlertAcknowledgementMeasures {
  addressees: number;
  acknowledged: number;
  /** Seconds from publication to the first acknowledgement by an addressee; null before any. */
  secondsToFirstAcknowledgement: number | null;
  acknowledgeWithin: string | null;
  dueAt: string | null;
  escalatedAt: string | null;
}
