import type { Admin, Kafka } from 'kafkajs';
import { awaitTopics, startGroupAtEnd } from './consumer-group-start';

/** A stand-in admin client: the test plays the broker's topics, offsets and answers. */
class StandInAdmin {
  topics: string[] = [];
  committed = new Map<string, string[]>();
  ends = new Map<string, string[]>();
  set: { topic: string; partitions: { partition: number; offset: string }[] }[] = [];
  refuseSet: Error | null = null;
  connected = false;
  listed = 0;
  onList: () => void = () => undefined;

  connect = () => Promise.resolve(void (this.connected = true));
  disconnect = () => Promise.resolve(void (this.connected = false));
  listTopics = () => {
    this.listed += 1;
    this.onList();
    return Promise.resolve([...this.topics]);
  };
  fetchTopicMetadata = ({ topics }: { topics: string[] }) =>
    Promise.resolve({
      topics: topics.map((name) => ({ name, partitions: [{ partitionId: 0, leader: 1 }] })),
    });
  fetchOffsets = ({ topics: [topic] }: { topics: string[] }) =>
    Promise.resolve([
      {
        topic,
        partitions: (this.committed.get(topic) ?? []).map((offset, partition) => ({ partition, offset })),
      },
    ]);
  fetchTopicOffsets = (topic: string) =>
    Promise.resolve((this.ends.get(topic) ?? []).map((high, partition) => ({ partition, high, low: '0' })));
  setOffsets = (request: { topic: string; partitions: { partition: number; offset: string }[] }) => {
    if (this.refuseSet) return Promise.reject(this.refuseSet);
    this.set.push({ topic: request.topic, partitions: request.partitions });
    return Promise.resolve();
  };
}

function kafkaWith(admin: StandInAdmin): Pick<Kafka, 'admin'> {
  return { admin: () => admin as unknown as Admin };
}

describe('startGroupAtEnd', () => {
  it('commits the end of every partition of a group without offsets, and leaves a started group alone', async () => {
    const admin = new StandInAdmin();
    admin.committed.set('alerts', ['-1', '-1']);
    admin.ends.set('alerts', ['7', '3']);
    admin.committed.set('seizures', ['-1', '12']);
    admin.ends.set('seizures', ['40', '41']);
    await startGroupAtEnd(kafkaWith(admin), 'hub-router', ['alerts', 'seizures']);
    expect(admin.set).toEqual([
      {
        topic: 'alerts',
        partitions: [
          { partition: 0, offset: '7' },
          { partition: 1, offset: '3' },
        ],
      },
    ]);
    expect(admin.connected).toBe(false);
  });

  it('gives way to a member that joined first, and passes on any other refusal', async () => {
    const admin = new StandInAdmin();
    admin.ends.set('alerts', ['7']);
    admin.refuseSet = new Error('The consumer group must have no running instances, current state: Stable');
    await expect(startGroupAtEnd(kafkaWith(admin), 'hub-router', ['alerts'])).resolves.toBeUndefined();
    admin.refuseSet = new Error('not authorized');
    await expect(startGroupAtEnd(kafkaWith(admin), 'hub-router', ['alerts'])).rejects.toThrow(
      'not authorized',
    );
    expect(admin.connected).toBe(false);
  });
});

describe('awaitTopics', () => {
  it('waits until every topic exists, saying once which are missing', async () => {
    const admin = new StandInAdmin();
    const told: string[][] = [];
    admin.onList = () => {
      if (admin.listed === 3) admin.topics = ['alerts', 'seizures'];
      else if (admin.listed === 2) admin.topics = ['alerts'];
    };
    await awaitTopics(kafkaWith(admin), ['alerts', 'seizures'], {
      onMissing: (missing) => told.push(missing),
      intervalMs: 1,
    });
    expect(admin.listed).toBe(3);
    expect(told).toEqual([['alerts', 'seizures']]);
    expect(admin.connected).toBe(false);
  });

  it('says nothing when the topics are there', async () => {
    const admin = new StandInAdmin();
    admin.topics = ['alerts'];
    const told: string[][] = [];
    await awaitTopics(kafkaWith(admin), ['alerts'], { onMissing: (missing) => told.push(missing) });
    expect(told).toEqual([]);
    expect(admin.listed).toBe(1);
  });
});
