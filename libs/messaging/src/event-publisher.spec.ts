import type { Kafka, Producer } from 'kafkajs';
import { EventPublisher } from './event-publisher';

/** A stand-in for kafkajs' producers: counts what is connected, fails a connect when told to. */
function standInKafka(failConnects = 0) {
  const made: { connected: boolean; sent: number }[] = [];
  let failures = failConnects;
  const kafka = {
    producer: () => {
      const state = { connected: false, sent: 0 };
      made.push(state);
      const producer = {
        connect: async () => {
          await new Promise((resolve) => setImmediate(resolve));
          // A connect that fails half-way may have opened connections: still "connected" until closed.
          state.connected = true;
          if (failures > 0) {
            failures -= 1;
            throw new Error('broker not available');
          }
        },
        disconnect: () => {
          state.connected = false;
          return Promise.resolve();
        },
        sendBatch: () => {
          state.sent += 1;
          return Promise.resolve([]);
        },
      };
      return producer as unknown as Producer;
    },
  };
  return { kafka: kafka as unknown as Kafka, made };
}

const message = { topic: 'hub.region.europe.v1', key: 'r', value: '{}', headers: {} };

describe('EventPublisher', () => {
  it('makes one producer for publishes racing for the first connection', async () => {
    const { kafka, made } = standInKafka();
    const publisher = new EventPublisher(kafka);
    await Promise.all([publisher.publish([message]), publisher.publish([message]), publisher.connect()]);
    expect(made).toHaveLength(1);
    expect(made[0].sent).toBe(2);
    await publisher.disconnect();
    expect(made[0].connected).toBe(false);
  });

  it('closes a producer whose connect failed, and connects anew at the next publish', async () => {
    const { kafka, made } = standInKafka(1);
    const publisher = new EventPublisher(kafka);
    await expect(publisher.publish([message])).rejects.toThrow('broker not available');
    expect(made[0].connected).toBe(false);
    await publisher.publish([message]);
    expect(made).toHaveLength(2);
    expect(made[1].sent).toBe(1);
  });

  it('closes a producer still connecting when it is reset', async () => {
    const { kafka, made } = standInKafka();
    const publisher = new EventPublisher(kafka);
    const connecting = publisher.connect();
    await publisher.reset();
    await connecting;
    expect(made).toHaveLength(1);
    expect(made[0].connected).toBe(false);
  });
});
