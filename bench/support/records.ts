import { randomUUID } from 'node:crypto';
import {
  type Alert,
  organizationSource,
  recordDataSchema,
  buildCloudEvent,
  concernedCountries,
  concernedRegions,
  encodeKafkaMessage,
  EVENT_TYPES,
  type HubCloudEvent,
  type KafkaMessage,
  type PublishedRecord,
  type RegionCode,
  type StrategicCategory,
} from '@hub/contracts';

/** HS codes of strategic goods the records are drawn from (nuclear, chemical, dual-use machinery, arms). */
export const STRATEGIC_HS_CODES = [
  '284410',
  '284420',
  '284450',
  '840120',
  '840140',
  '281210',
  '281219',
  '292910',
  '293100',
  '293219',
  '722830',
  '761290',
  '810890',
  '841950',
  '845710',
  '846229',
  '847989',
  '848180',
  '850440',
  '854231',
  '880730',
  '901380',
  '903020',
  '930190',
  '930611',
] as const;

const CATEGORY_OF_CHAPTER: Record<string, StrategicCategory> = {
  '28': 'chemical',
  '29': 'chemical',
  '84': 'dual-use',
  '85': 'dual-use',
  '72': 'dual-use',
  '76': 'dual-use',
  '81': 'nuclear',
  '88': 'missile',
  '90': 'dual-use',
  '93': 'conventional-arms',
};

const ORIGINS = ['CN', 'IN', 'TR', 'RU', 'KZ', 'MY', 'SG', 'BR'] as const;
const TRANSITS = ['AE', 'TR', 'SG', 'PA', 'MA'] as const;
/** Every record ends in Europe, so one European feed and the European regional stream see each of them. */
const DESTINATIONS = ['DE', 'FR', 'NL', 'IT', 'BE', 'PL'] as const;

const pick = <T>(items: readonly T[], seq: number, salt: number): T =>
  items[(seq * 7919 + salt * 104729) % items.length];

/**
 * A well-formed alert of about 1 KB (JSON), different for each sequence number: what a national
 * system submits. `runTag` keeps references unique across runs against one database.
 */
export function alertBody(runTag: string, seq: number): Alert {
  const first = pick(STRATEGIC_HS_CODES, seq, 1);
  const second = pick(STRATEGIC_HS_CODES, seq, 2);
  return {
    reference: `BENCH-${runTag}-${seq}`,
    title: `Consignment ${seq}: goods declared under a misleading heading`,
    summary:
      'Consignments of high-grade components declared as ordinary machinery parts, routed through a free zone ' +
      'with a consignee linked to a procurement network; licences absent for the end user named in the documents. ' +
      'The same consignee received two earlier shipments under the same heading, each below the reporting threshold.',
    severity: pick(['low', 'medium', 'high', 'critical'] as const, seq, 3),
    kind: 'suspicious-consignment',
    commodities: [
      {
        hsCode: first,
        description: 'Declared as machine parts',
        category: CATEGORY_OF_CHAPTER[first.slice(0, 2)],
      },
      {
        hsCode: second,
        description: 'Declared as spare parts',
        category: CATEGORY_OF_CHAPTER[second.slice(0, 2)],
      },
    ],
    route: {
      origin: pick(ORIGINS, seq, 4),
      transit: [pick(TRANSITS, seq, 5)],
      destination: pick(DESTINATIONS, seq, 6),
    },
    conveyance: 'sea',
    entities: [{ name: 'Example Trading FZE', role: 'consignee', country: pick(TRANSITS, seq, 5) }],
    identifiers: [
      { kind: 'container', value: 'MSCU1234565' },
      { kind: 'bill-of-lading', value: `BL-${seq}` },
    ],
    handling: 'members',
    validUntil: '2027-06-30T00:00:00Z',
    language: 'en',
  };
}

/** An alert as the gateway stores and publishes it (hub fields and routing computed as the gateway does). */
export function publishedAlert(runTag: string, seq: number, originator = 'fr-customs'): PublishedRecord {
  const body = alertBody(runTag, seq);
  const now = new Date().toISOString();
  const input = {
    originatorCountry: 'FR',
    originatorRegion: 'europe' as RegionCode,
    record: body,
  };
  return {
    ...body,
    id: randomUUID(),
    type: 'alert',
    version: 1,
    status: 'active',
    originator,
    regions: concernedRegions(input),
    countries: concernedCountries(input),
    createdAt: now,
    updatedAt: now,
  };
}

/** The gateway's default HUB_PUBLIC_URL: the baseline's events are as large as the hub's. */
const BENCH_PUBLIC_URL = 'http://127.0.0.1:3000';

/** The CloudEvent the gateway writes to the outbox for a new alert. */
export function alertPublishedEvent(runTag: string, seq: number): HubCloudEvent<PublishedRecord> {
  const record = publishedAlert(runTag, seq);
  return buildCloudEvent({
    id: randomUUID(),
    type: EVENT_TYPES.alertPublished,
    source: organizationSource(BENCH_PUBLIC_URL, record.originator),
    dataschema: recordDataSchema(BENCH_PUBLIC_URL, 'alert'),
    time: record.updatedAt,
    record,
  });
}

/** The Kafka message (binary CloudEvents mode) the relay publishes for that event. */
export function alertPublishedMessage(runTag: string, seq: number): KafkaMessage {
  return encodeKafkaMessage(alertPublishedEvent(runTag, seq));
}
