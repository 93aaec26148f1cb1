import { randomClusterId } from './kafka-broker';

describe('randomClusterId', () => {
  it('has the shape of Kafka Uuid.randomUuid(): 22 URL-safe base64 characters, never a leading dash', () => {
    const ids = Array.from({ length: 2000 }, () => randomClusterId());
    for (const id of ids) expect(id).toMatch(/^[A-Za-z0-9_][A-Za-z0-9_-]{21}$/);
    expect(new Set(ids).size).toBe(ids.length);
    // 16 bytes: the last character carries only 2 bits, so it is one of A, Q, g, w.
    expect(new Set(ids.map((id) => id[21]))).toEqual(new Set(['A', 'Q', 'g', 'w']));
  });
});
