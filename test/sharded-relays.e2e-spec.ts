import { TOPICS } from '@hub/contracts';
import {
  api,
  type ConsumedMessage,
  expectEventually,
  METRICS_TOKEN,
  readTopic,
  type RunningService,
  startRelay,
  type TestOrganization,
} from './support/hub-harness';
import { memberOf, startHub, type TestHub, type SubmittedRecord } from './support/hub-context';

const SHARDS = 8;
/** Records per wave, each revised twice: three versions, all in one shard, to arrive in order. */
const RECORDS = 24;

interface RelayHealth {
  checks: { relay: { up: boolean; detail: string } };
}

/** The shards a relay's health says it holds. */
async function shardsHeld(relay: RunningService): Promise<number[]> {
  const health = await api<RelayHealth>(relay.url, 'GET', '/health', { key: METRICS_TOKEN });
  const held = /shards held \[([\d,]*)\]/.exec(health.body.checks?.relay?.detail ?? '')?.[1] ?? '';
  return held === '' ? [] : held.split(',').map(Number);
}

/** Events a relay has published, from its own metrics. */
async function publishedBy(relay: RunningService): Promise<number> {
  const response = await fetch(`${relay.url}/metrics`, {
    headers: { authorization: `Bearer ${METRICS_TOKEN}` },
  });
  const text = await response.text();
  return [...text.matchAll(/^hub_relay_published_total\{[^}]*\} (\d+)/gm)].reduce(
    (sum, match) => sum + Number(match[1]),
    0,
  );
}

/**
 * Two relays share the outbox's shards and both publish; when one stops, the other takes its
 * shards over: every version of every record reaches Kafka, each record's versions in order.
 */
describe('sharded relays', () => {
  let hub: TestHub;
  let member: TestOrganization;
  const relays: RunningService[] = [];

  beforeAll(async () => {
    hub = await startHub();
    member = await hub.organization(memberOf('FR'));
    const env = { OUTBOX_SHARDS: String(SHARDS) };
    relays.push(await startRelay(env), await startRelay(env));
  });

  afterAll(async () => {
    for (const relay of relays) await relay.close();
    await hub?.close();
  });

  /** Submits records and revises each twice, the waves' records concurrently; answers their ids. */
  async function wave(): Promise<string[]> {
    return Promise.all(
      Array.from({ length: RECORDS }, async () => {
        const record: SubmittedRecord = await hub.submit(member, 'alert');
        for (const summary of ['Revised once', 'Revised twice']) {
          const revised = await hub.api('PATCH', `/v1/alerts/${record.id}`, {
            key: member.apiKey,
            body: { summary },
          });
          expect(revised.status).toBe(200);
        }
        return record.id;
      }),
    );
  }

  /** Each record's versions as they arrive on the topic, duplicates (a republished batch) dropped. */
  async function versionsOnTopic(ids: readonly string[]): Promise<Map<string, number[]>> {
    const wanted = new Set(ids);
    const versions = (messages: ConsumedMessage[]): Map<string, number[]> => {
      const byRecord = new Map<string, number[]>(ids.map((id) => [id, []]));
      for (const message of messages) {
        if (!message.key || !wanted.has(message.key)) continue;
        const seen = byRecord.get(message.key)!;
        const version = (JSON.parse(message.value) as { version: number }).version;
        if (!seen.includes(version)) seen.push(version);
      }
      return byRecord;
    };
    const messages = await readTopic(
      TOPICS.alerts,
      (seen) => [...versions(seen).values()].every((got) => got.length === 3),
      60_000,
    );
    return versions(messages);
  }

  const inOrder = (ids: readonly string[]) => new Map(ids.map((id) => [id, [1, 2, 3]]));

  it('splits the shards between two relays, and both publish', async () => {
    await expectEventually(async () => {
      const [first, second] = await Promise.all(relays.map(shardsHeld));
      expect(first).toHaveLength(SHARDS / 2);
      expect(second).toHaveLength(SHARDS / 2);
      expect([...first, ...second].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    }, 30_000);

    const ids = await wave();
    expect(await versionsOnTopic(ids)).toEqual(inOrder(ids));
    for (const relay of relays) expect(await publishedBy(relay)).toBeGreaterThan(0);
  }, 120_000);

  it("has the relay left take over a stopped relay's shards, losing nothing and keeping each record's order", async () => {
    const [stopping, staying] = relays;
    const before = await publishedBy(staying);
    // Stopped while a wave is being written: its shards' rows wait for the relay left.
    const writing = wave();
    await stopping.close();
    relays.shift();
    const ids = await writing;

    await expectEventually(
      async () => expect(await shardsHeld(staying)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]),
      30_000,
    );
    expect(await versionsOnTopic(ids)).toEqual(inOrder(ids));
    // Every record of the wave went out, through the relay left for those written after the stop.
    expect(await publishedBy(staying)).toBeGreaterThan(before);
    await expectEventually(async () => {
      const health = await api<RelayHealth>(staying.url, 'GET', '/health', { key: METRICS_TOKEN });
      expect(health.body.checks.relay.detail).toMatch(/^0 pending/);
    }, 30_000);
  }, 120_000);
});
