import { minInsyncReplicasFor } from './topic-provisioning';

describe(minInsyncReplicasFor.name, () => {
  it('needs two in-sync replicas of three, so a write survives and outlives the loss of one node', () => {
    expect(minInsyncReplicasFor(3)).toBe(2);
  });

  it('needs only the lone replica on one broker, and never more replicas than there are', () => {
    expect(minInsyncReplicasFor(1)).toBe(1);
    expect(minInsyncReplicasFor(2)).toBe(1);
  });
});
