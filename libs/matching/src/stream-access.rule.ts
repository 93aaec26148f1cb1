import { WCO_REGIONS, regionalTopic, type RegionCode, type RegionalTopic } from '@hub/contracts';
import { mayRead, type ReaderProfile, type RecordAudience } from './handling.rule';

/** Every handling a regional stream may carry (never 'restricted': see regionalStreamRegions). */
const STREAM_HANDLINGS = ['community', 'members', 'region'] as const;

/**
 * The regions whose stream (hub.region.<region>.v1) this organization may read: those where it
 * may read every record the stream can carry, as mayRead decides for a record it neither wrote
 * nor receives by name. A RILO gets its region, a member its country's region, the Secretariat
 * all six, a partner agency none (the streams carry 'members' records).
 */
export function readableRegionalStreams(reader: ReaderProfile): RegionCode[] {
  const originator = reader.code === 'regional-stream' ? 'regional-stream-1' : 'regional-stream';
  return WCO_REGIONS.filter((region) =>
    STREAM_HANDLINGS.every((handling) => {
      const record: RecordAudience = {
        originator,
        handling,
        regions: [region],
        recipients: [],
        excludeOrganizations: [],
        excludeCountries: [],
      };
      return mayRead(reader, record);
    }),
  );
}

/** A Kafka ACL binding, framework-free; the messaging lib maps it onto the client's enums. */
export interface StreamAcl {
  resourceType: 'topic' | 'group';
  resourceName: string;
  patternType: 'literal' | 'prefixed';
  operation: 'read' | 'describe';
  /** `User:<username>`. */
  principal: string;
  permission: 'allow';
  host: '*';
}

export interface StreamAccessPlan {
  topics: RegionalTopic[];
  /** Consumer groups the credential may join: every group id starting with this. */
  groupPrefix: string;
  acls: StreamAcl[];
}

export type StreamAccessDecision =
  ({ granted: true } & StreamAccessPlan) | { granted: false; field: 'kind'; reason: string };

/**
 * What a stream credential of this organization may do on the broker, as ACLs of its own
 * principal: READ and DESCRIBE on each readable regional topic, READ on consumer groups named
 * `<code>.…` (organization codes hold no dot, so one organization's prefix never covers
 * another's groups). Nothing else: no canonical, operations or dead-letter topic, no write, no
 * cluster operation. An organization with no readable stream is refused, naming its kind.
 */
export function planStreamAccess(reader: ReaderProfile, username: string): StreamAccessDecision {
  const regions = readableRegionalStreams(reader);
  if (regions.length === 0) {
    return {
      granted: false,
      field: 'kind',
      reason: `a ${reader.kind} may read no regional stream (they carry 'members' records)`,
    };
  }
  const principal = `User:${username}`;
  const topics = regions.map(regionalTopic);
  const groupPrefix = `${reader.code}.`;
  const allow = { principal, permission: 'allow', host: '*' } as const;
  const acls: StreamAcl[] = [
    ...topics.flatMap((topic) =>
      (['read', 'describe'] as const).map((operation): StreamAcl => ({
        resourceType: 'topic',
        resourceName: topic,
        patternType: 'literal',
        operation,
        ...allow,
      })),
    ),
    {
      resourceType: 'group',
      resourceName: groupPrefix,
      patternType: 'prefixed',
      operation: 'read',
      ...allow,
    },
  ];
  return { granted: true, topics, groupPrefix, acls };
}
