import { outboxWakeupPayload, shardsWritten, touchedSubscriptions } from './notify-channels';

describe(touchedSubscriptions.name, () => {
  it('reads the subscription ids a feed NOTIFY names, and an empty or missing payload as everyone', () => {
    expect(
      touchedSubscriptions('8c0e2b8e-35d4-4c55-9d2a-6f0d3f4c1a11,1f6b6f0e-0a8d-4a55-8f57-0d0b7b8a9c22'),
    ).toEqual(['8c0e2b8e-35d4-4c55-9d2a-6f0d3f4c1a11', '1f6b6f0e-0a8d-4a55-8f57-0d0b7b8a9c22']);
    expect(touchedSubscriptions('')).toBeNull();
    expect(touchedSubscriptions(undefined)).toBeNull();
  });
});

describe(shardsWritten.name, () => {
  it('reads back the shards an outbox NOTIFY names, in order', () => {
    expect(shardsWritten(outboxWakeupPayload(new Set([5, 0, 3])))).toEqual([0, 3, 5]);
    expect(outboxWakeupPayload([7])).toBe('7');
  });

  it('reads no payload, or one that is not shard numbers, as every shard', () => {
    expect(outboxWakeupPayload(null)).toBe('');
    expect(shardsWritten('')).toBeNull();
    expect(shardsWritten(undefined)).toBeNull();
    expect(shardsWritten('1,x')).toBeNull();
    expect(shardsWritten('1,-2')).toBeNull();
    expect(shardsWritten('1.5')).toBeNull();
  });
});
