import {
  HUB_NOTICE_EVENT_TYPES,
  NOTICE_EVENT_TYPES,
  type NoticeEventType,
} from '../events/hub-event.constants';
import type { AlertEscalationNotice, AlertFeedbackNotice } from './alert-feedback.contract';

/**
 * A notice about an alert (`alert.feedback`, `alert.unacknowledged`): a CloudEvent whose `subject`
 * is the alert's hub id and whose `source` is the hub itself, since the hub writes it. It carries
 * none of a record event's routing extensions: it goes only to the subscriptions the hub chose.
 */
export interface HubNoticeEvent<T = AlertFeedbackNotice | AlertEscalationNotice> {
  specversion: '1.0';
  id: string;
  source: string;
  type: NoticeEventType;
  subject: string;
  time: string;
  datacontenttype: 'application/json';
  data: T;
}

export type AlertFeedbackEvent = HubNoticeEvent<AlertFeedbackNotice> & { type: 'alert.feedback' };
export type AlertEscalationEvent = HubNoticeEvent<AlertEscalationNotice> & { type: 'alert.unacknowledged' };

export function isNoticeEvent(event: { type: string }): event is HubNoticeEvent {
  return (HUB_NOTICE_EVENT_TYPES as readonly string[]).includes(event.type);
}

function withoutTrailingSlash(url: string): string {
  return url.replace(/\/+$/, '');
}

/** The hub as a CloudEvents `source`: `<hub public URL>/hub`. */
export function hubSource(hubPublicUrl: string): string {
  return `${withoutTrailingSlash(hubPublicUrl)}/hub`;
}

export function buildFeedbackEvent(input: {
  id: string;
  hubPublicUrl: string;
  feedback: AlertFeedbackNotice;
}): AlertFeedbackEvent {
  return {
    specversion: '1.0',
    id: input.id,
    source: hubSource(input.hubPublicUrl),
    type: NOTICE_EVENT_TYPES.alertFeedback,
    subject: input.feedback.alert,
    time: input.feedback.createdAt,
    datacontenttype: 'application/json',
    data: input.feedback,
  };
}

export function buildEscalationEvent(input: {
  id: string;
  hubPublicUrl: string;
  escalation: AlertEscalationNotice;
}): AlertEscalationEvent {
  return {
    specversion: '1.0',
    id: input.id,
    source: hubSource(input.hubPublicUrl),
    type: NOTICE_EVENT_TYPES.alertUnacknowledged,
    subject: input.escalation.alert,
    time: input.escalation.escalatedAt,
    datacontenttype: 'application/json',
    data: input.escalation,
  };
}
