/**
 * The EventPublisher against the real broker when a send fails part-way. kafkajs 2.2.4 sends one
 * produce request per broker; when the broker refuses one partition of it, kafkajs throws for the
 * whole request and takes back the sequence numbers of every partition in it, those the broker
 * wrote included. Its next send to such a partition reuses a written batch's sequence number, and
 * the broker answers it as a duplicate of that batch: acknowledged, never written. This is what a
 * failed send during a leader change did to the router's regional publications in the broker-loss
 * suite. The publisher must start a new producer session after any failed send.
 */
import { randomUUID } from 'node:crypto';
import type { Admin } from 'kafkajs';
import { ensureKafkaBroker } from '../apps/launcher/src/kafka-broker';
import { EventPublisher, type OutgoingMessage } from '@hub/messaging';
import { readTopicToEnd, testKafka } from './support/hub-harness';

const RUN = `${Date.now()}-${randomUUID().slice(0, 8)}`;
/** An ordinary topic, written by every send of the test. */
const WRITTEN = `hub.test.publisher-written.${RUN}`;
/** A topic that refuses any batch over 64 bytes, as the broker refuses one partition of a request. */
const REFUSED = `hub.test.publisher-refused.${RUN}`;

const message = (topic: string, name: string): OutgoingMessage => ({
  topic,
  key: 'one-key',
  value: name,
  headers: {},
});

describe('EventPublisher: a failed send does not make the next one a phantom duplicate', () => {
  let admin: Admin;
  let publisher: EventPublisher;

  beforeAll(async () => {
    await ensureKafkaBroker({ log: (line) => void process.stdout.write(`${line}\n`) });
    admin = testKafka().admin();
    await admin.connect();
    await admin.createTopics({
      waitForLeaders: true,
      topics: [
        { topic: WRITTEN, numPartitions: 1, replicationFactor: 1 },
        {
          topic: REFUSED,
          numPartitions: 1,
          replicationFactor: 1,
          configEntries: [{ name: 'max.message.bytes', value: '64' }],
        },
      ],
    });
    publisher = new EventPublisher(testKafka());
  });

  afterAll(async () => {
    await publisher?.disconnect();
    await admin?.deleteTopics({ topics: [WRITTEN, REFUSED] }).catch(() => undefined);
    await admin?.disconnect();
  });

  it('writes what it acknowledges after a send that the broker refused in part', async () => {
    await publisher.publish([message(WRITTEN, 'first')]);
    // One request: the broker writes `second` and refuses the other topic's message.
    await expect(
      publisher.publish([message(WRITTEN, 'second'), message(REFUSED, 'too large '.repeat(100))]),
    ).rejects.toThrow(/larger than the max message size/i);
    // One message again, as `second` was: with `second`'s sequence number it would be taken for
    // its duplicate.
    await publisher.publish([message(WRITTEN, 'third')]);

    const values = (await readTopicToEnd(WRITTEN)).map((m) => m.value);
    // `second` was written before the failure, and kafkajs's retries of the request may have
    // written it again (a new session's are not deduplicated): what matters is that `third` is
    // there, after it.
    expect([...new Set(values)]).toEqual(['first', 'second', 'third']);
  }, 60_000);
});
