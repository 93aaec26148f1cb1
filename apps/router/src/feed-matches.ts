import { buildRecallEvent, type HubCloudEvent, type PublishedRecord } from '@hub/contracts';
import { type EventFacts, mayRead, type SubscriptionIndex } from '@hub/matching';
import type { FeedMatch } from '@hub/persistence';
import type { RoutedSubscription } from './subscription-directory';

/** Event types that follow a record to those who hold it: revisions and withdrawals. */
export const FOLLOWS_RECORD = /\.(updated|withdrawn)$/;

/** What matching reads of the live subscriptions. */
export interface SubscriptionView {
  readonly index: Pick<SubscriptionIndex, 'match'>;
  get(id: string): RoutedSubscription | undefined;
}

/** The records of a batch whose earlier recipients must be asked for: those updated or withdrawn. */
export function followedRecords(events: readonly HubCloudEvent<PublishedRecord>[]): string[] {
  return events.filter((event) => FOLLOWS_RECORD.test(event.type)).map((event) => event.subject);
}

/**
 * The feed entries of a batch: every subscription whose filter accepts an event and whose
 * organization may read it, and for updates and withdrawals every subscription that received an
 * earlier version (`prior`, by record) and may still read it. One that received an earlier version
 * and may not read this one gets the record's recall instead (`<type>.recalled`, no content; its
 * entry also cancels the pending deliveries of the earlier versions) and holds the record no more.
 * Earlier versions of a record in the same batch count as received too: `prior` is updated as the
 * batch goes.
 */
export function feedMatches(
  events: readonly HubCloudEvent<PublishedRecord>[],
  facts: readonly EventFacts[],
  prior: Map<string, string[]>,
  subscriptions: SubscriptionView,
): FeedMatch[] {
  const matches: FeedMatch[] = [];
  events.forEach((event, index) => {
    const received = prior.get(event.subject) ?? [];
    const targets = new Set(subscriptions.index.match(facts[index]));
    const recalled = new Set<string>();
    if (FOLLOWS_RECORD.test(event.type)) {
      for (const id of received) {
        const subscription = subscriptions.get(id);
        if (!subscription) continue;
        if (mayRead(subscription.subscriber, facts[index].audience)) targets.add(id);
        else recalled.add(id);
      }
    }
    prior.set(event.subject, [...new Set([...received.filter((id) => !recalled.has(id)), ...targets])]);
    if (recalled.size > 0) {
      const recall = buildRecallEvent(event);
      for (const id of recalled) {
        matches.push({
          subscriptionId: id,
          webhook: subscriptions.get(id)!.webhook,
          eventId: recall.id,
          recordId: event.subject,
          recordVersion: event.data.version,
          eventType: recall.type,
          event: recall,
        });
      }
    }
    for (const id of targets) {
      const subscription = subscriptions.get(id);
      if (!subscription) continue;
      matches.push({
        subscriptionId: id,
        webhook: subscription.webhook,
        eventId: event.id,
        recordId: event.subject,
        recordVersion: event.data.version,
        eventType: event.type,
        event,
      });
    }
  });
  return matches;
}
