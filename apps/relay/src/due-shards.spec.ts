import { DueShards } from './due-shards';

describe(DueShards.name, () => {
  it('drains every shard at the first round, then only the shards named since', () => {
    const due = new DueShards(1000);
    due.mark([3]);
    expect(due.take(0)).toBe('all');
    due.mark([5, 1]);
    due.mark([5]);
    expect([...(due.take(10) as ReadonlySet<number>)].sort()).toEqual([1, 5]);
    due.mark([2]);
    expect([...(due.take(20) as ReadonlySet<number>)]).toEqual([2]);
  });

  it('drains every shard after a wake-up naming none, and when woken with nothing named (the poll)', () => {
    const due = new DueShards(1000);
    due.take(0);
    due.mark([4]);
    due.mark(null);
    due.mark([6]);
    expect(due.take(10)).toBe('all');
    expect(due.take(20)).toBe('all');
  });

  it('drains every shard at least once per interval even while named wake-ups keep coming', () => {
    const due = new DueShards(1000);
    due.take(0);
    for (let now = 100; now < 1000; now += 100) {
      due.mark([1]);
      expect(due.take(now)).not.toBe('all');
    }
    due.mark([1]);
    expect(due.take(1000)).toBe('all');
    due.mark([1]);
    expect([...(due.take(1100) as ReadonlySet<number>)]).toEqual([1]);
  });
});
