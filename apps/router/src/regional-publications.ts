import { encodeKafkaMessage, type HubCloudEvent, type PublishedRecord, regionalTopic } from '@hub/contracts';
import { type EventFacts, regionalStreamRegions } from '@hub/matching';
import type { OutgoingMessage } from '@hub/messaging';
import type { AuditEntry } from '@hub/persistence';

/** A batch's republications on the regional streams, with the audit entry of each. */
export interface RegionalPublications {
  messages: OutgoingMessage[];
  entries: AuditEntry[];
}

/**
 * Each event goes to the regional stream of every concerned region whose RILOs may read it. The
 * entries are unique per (regional topic, event): a batch repeated after a crash audits nothing twice.
 */
export function regionalPublications(
  events: readonly HubCloudEvent<PublishedRecord>[],
  facts: readonly EventFacts[],
): RegionalPublications {
  const publications: RegionalPublications = { messages: [], entries: [] };
  events.forEach((event, index) => {
    const encoded = encodeKafkaMessage(event);
    for (const region of regionalStreamRegions(facts[index])) {
      const topic = regionalTopic(region);
      publications.messages.push({ topic, ...encoded });
      publications.entries.push({
        action: 'regional-stream.published',
        actor: { type: 'service', code: 'router' },
        resourceType: 'regional-stream',
        resourceId: topic,
        recordIds: [event.subject],
        eventIds: [event.id],
        detail: { eventType: event.type, version: event.data.version, handling: event.data.handling },
        dedupeKey: `regional-stream:${topic}:${event.id}`,
      });
    }
  });
  return publications;
}
