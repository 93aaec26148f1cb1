import {
  buildRecallEvent,
  encodeKafkaMessage,
  type HubCloudEvent,
  type HubRegionalEvent,
  type PublishedRecord,
  type RegionCode,
  regionalTopic,
} from '@hub/contracts';
import { type EventFacts, regionalStreamRegions } from '@hub/matching';
import type { OutgoingMessage } from '@hub/messaging';
import type { AuditEntry } from '@hub/persistence';

/** A batch's republications on the regional streams, with the audit entry of each. */
export interface RegionalPublications {
  messages: OutgoingMessage[];
  entries: AuditEntry[];
}

/**
 * Each event goes to the regional stream of every concerned region whose RILOs may read it. A
 * revision's stream of a region that carried the previous version (`previous`, by event id) and may
 * not carry this one gets the record's recall instead (`<type>.recalled`, no content). The entries
 * are unique per (regional topic, event): a batch repeated after a crash audits nothing twice.
 */
export function regionalPublications(
  events: readonly HubCloudEvent<PublishedRecord>[],
  facts: readonly EventFacts[],
  previous: ReadonlyMap<string, EventFacts> = new Map(),
): RegionalPublications {
  const publications: RegionalPublications = { messages: [], entries: [] };
  events.forEach((event, index) => {
    const regions = regionalStreamRegions(facts[index]);
    publish(publications, event, regions, event.data.handling);
    const before = previous.get(event.id);
    const lost = before ? regionalStreamRegions(before).filter((region) => !regions.includes(region)) : [];
    if (lost.length > 0) publish(publications, buildRecallEvent(event), lost, null);
  });
  return publications;
}

function publish(
  publications: RegionalPublications,
  event: HubRegionalEvent,
  regions: readonly RegionCode[],
  handling: string | null,
): void {
  const encoded = encodeKafkaMessage(event);
  for (const region of regions) {
    const topic = regionalTopic(region);
    publications.messages.push({ topic, ...encoded });
    publications.entries.push({
      action: 'regional-stream.published',
      actor: { type: 'service', code: 'router' },
      resourceType: 'regional-stream',
      resourceId: topic,
      recordIds: [event.subject],
      eventIds: [event.id],
      detail: { eventType: event.type, version: event.recordversion, ...(handling ? { handling } : {}) },
      dedupeKey: `regional-stream:${topic}:${event.id}`,
    });
  }
}
