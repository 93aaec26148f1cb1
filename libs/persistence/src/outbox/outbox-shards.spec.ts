import { randomUUID } from 'node:crypto';
import { outboxShardOf, planShardLeases, type ShardSurvey } from './outbox-shards';

const survey = (self: number, relays: number[], holders: [number, number][] = []): ShardSurvey => ({
  self,
  relays,
  holders: new Map(holders),
});

/** Every relay's plan applied at once, from the same holders: the shards each holds afterwards. */
function settle(shards: number, relays: number[], holders: [number, number][] = []): Map<number, number[]> {
  const held = new Map(holders);
  for (let round = 0; round < 3; round += 1) {
    const plans = relays.map((self) => ({
      self,
      plan: planShardLeases(shards, survey(self, relays, [...held])),
    }));
    for (const { plan } of plans) for (const shard of plan.release) held.delete(shard);
    for (const { self, plan } of plans)
      for (const shard of plan.acquire) if (!held.has(shard)) held.set(shard, self);
  }
  const byRelay = new Map<number, number[]>(relays.map((relay) => [relay, []]));
  for (const [shard, relay] of [...held].sort(([a], [b]) => a - b)) byRelay.get(relay)?.push(shard);
  return byRelay;
}

describe(outboxShardOf.name, () => {
  it('puts a key in the same shard every time, within the shard count', () => {
    const key = randomUUID();
    expect(outboxShardOf(key, 8)).toBe(outboxShardOf(key, 8));
    expect(outboxShardOf(key, 1)).toBe(0);
    // FNV-1a of "a" is 0xe40c292c: fixed, so rows written by one version are read alike by the next.
    expect(outboxShardOf('a', 1000)).toBe(0xe40c292c % 1000);
  });

  it('spreads record ids evenly over the shards', () => {
    const counts = new Array<number>(8).fill(0);
    for (let n = 0; n < 8000; n += 1) counts[outboxShardOf(randomUUID(), 8)] += 1;
    for (const count of counts) expect(count).toBeGreaterThan(800);
    for (const count of counts) expect(count).toBeLessThan(1200);
  });
});

describe(planShardLeases.name, () => {
  it('gives a lone relay every shard', () => {
    expect(planShardLeases(4, survey(7, [7]))).toEqual({
      acquire: [0, 1, 2, 3],
      release: [],
      waiting: false,
    });
  });

  it('splits the shards evenly between the relays running', () => {
    expect(settle(8, [30, 10])).toEqual(
      new Map([
        [30, [1, 3, 5, 7]],
        [10, [0, 2, 4, 6]],
      ]),
    );
    const three = settle(8, [5, 6, 7]);
    expect([...three.values()].map((held) => held.length).sort()).toEqual([2, 3, 3]);
  });

  it('has a newcomer wait while the holder gives up its half, never taking a held shard', () => {
    const everything: [number, number][] = [0, 1, 2, 3].map((shard) => [shard, 10]);
    expect(planShardLeases(4, survey(20, [10, 20], everything))).toEqual({
      acquire: [],
      release: [],
      waiting: true,
    });
    expect(planShardLeases(4, survey(10, [10, 20], everything))).toEqual({
      acquire: [],
      release: [1, 3],
      waiting: false,
    });
    expect(settle(4, [10, 20], everything)).toEqual(
      new Map([
        [10, [0, 2]],
        [20, [1, 3]],
      ]),
    );
  });

  it("takes over a stopped relay's shards: its locks went with its connection", () => {
    // Relay 20 held 1 and 3; it is gone from the relays and holds nothing any more.
    const plan = planShardLeases(
      4,
      survey(
        10,
        [10],
        [
          [0, 10],
          [2, 10],
        ],
      ),
    );
    expect(plan).toEqual({ acquire: [1, 3], release: [], waiting: false });
  });

  it('counts itself among the relays even when the survey missed it', () => {
    expect(planShardLeases(2, survey(3, []))).toEqual({ acquire: [0, 1], release: [], waiting: false });
  });
});
