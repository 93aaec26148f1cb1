import {
  decodeKafkaMessage,
  encodeKafkaMessage,
  type KafkaMessage,
  ProvenanceKey,
  ProvenanceSigner,
  ProvenanceVerifier,
  type ReceivedKafkaMessage,
  TOPICS,
} from '@hub/contracts';
import { generateKeyPairSync, sign, verify } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { freshHubDatabase } from '../support/bench-environment';
import { benchKafka, ensureBenchTopics } from '../support/bench-kafka';
import { HubDeployment } from '../support/hub-deployment';
import { commitToOutbox, eventBatch, outboxDrained } from '../support/outbox-fill';
import { repeat, type Scenario, summarize } from '../support/scenario';

const BASELINE_TOPIC = 'bench.baseline.provenance.v1';
const BATCH_SIZE = 500;

/** The message as the router receives it from kafkajs: key, value and headers as Buffers. */
function received(message: KafkaMessage): ReceivedKafkaMessage {
  return {
    key: Buffer.from(message.key),
    value: Buffer.from(message.value),
    headers: Object.fromEntries(
      Object.entries(message.headers).map(([name, value]) => [name, Buffer.from(value)]),
    ),
  };
}

/** Microseconds per message of `work` over every message, after a warm-up pass. */
function microsPerMessage<T>(items: readonly T[], work: (item: T) => void): number {
  for (const item of items.slice(0, Math.min(200, items.length))) work(item);
  const started = performance.now();
  for (const item of items) work(item);
  return ((performance.now() - started) * 1000) / items.length;
}

/**
 * What provenance costs: the relay signs every canonical message (HMAC-SHA-256) and the router
 * verifies it. Measured three ways: per message against the codec work relay and router already do,
 * against Ed25519 (the alternative that would let consumers verify), and as throughput, for a
 * producer and for the relay process.
 */
export const provenanceCost: Scenario = {
  id: 'P15',
  title: 'Event provenance',
  method:
    'In process, over 5,000 real ~1 KB alert messages (2,000 in --quick): HMAC-SHA-256 sign (as the relay) ' +
    'plus verify (as the router, on the Buffers kafkajs hands it), per message, against the codec work both already ' +
    'do per message (CloudEvents binary encode, then decode with full validation); Ed25519 sign plus verify of the ' +
    'same bytes against HMAC. Then throughput: a raw kafkajs producer (idempotent, acks=all, one request in ' +
    'flight, batches of 500) signing each batch before it sends it, against the same producer sending unsigned (after ' +
    'an untimed pass, in the order unsigned, signed, signed, unsigned; the means of each); ' +
    'and the relay process (which signs) publishing N committed outbox rows, against that unsigned producer, as P1 ' +
    '(N = 20,000; 3,000 in --quick).',
  async run(context) {
    const count = context.quick ? 3000 : 20_000;
    // The codec's validation dominates the in-process pass: fewer messages give the same per-message figure.
    const microCount = context.quick ? 2000 : 5000;
    const key = ProvenanceKey.fromBase64(context.environment.eventSigningKey);
    const signer = new ProvenanceSigner(key);
    const verifier = new ProvenanceVerifier([key]);
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');

    const micro = await repeat(
      context,
      'sign+verify vs codec',
      (run) => {
        const { events, messages } = eventBatch(`p15-micro-${run}-${Date.now()}`, microCount);
        const signed = messages.map((message) => signer.sign(TOPICS.alerts, message));
        const arriving = signed.map(received);
        const codec =
          microsPerMessage(events, (event) => void encodeKafkaMessage(event)) +
          microsPerMessage(arriving, (message) => void decodeKafkaMessage(message));
        const hmac =
          microsPerMessage(messages, (message) => void signer.sign(TOPICS.alerts, message)) +
          microsPerMessage(arriving, (message) => {
            if (!verifier.verify(TOPICS.alerts, message).verified)
              throw new Error('a genuine message failed');
          });
        const payloads = messages.map((message) =>
          Buffer.concat([
            Buffer.from(message.key),
            Buffer.from(JSON.stringify(message.headers)),
            Buffer.from(message.value),
          ]),
        );
        const signatures = payloads.map((payload) => sign(null, payload, privateKey));
        const ed25519 =
          microsPerMessage(payloads, (payload) => void sign(null, payload, privateKey)) +
          microsPerMessage(
            payloads.map((payload, n) => ({ payload, signature: signatures[n] })),
            ({ payload, signature }) => {
              if (!verify(null, payload, publicKey, signature)) throw new Error('a genuine signature failed');
            },
          );
        return Promise.resolve({ figure: hmac, baseline: codec, detail: { ed25519Micros: ed25519 } });
      },
      (figures) =>
        `HMAC ${figures.figure.toFixed(1)} µs, codec ${(figures.baseline ?? 0).toFixed(1)} µs, Ed25519 ${Number(
          figures.detail?.ed25519Micros,
        ).toFixed(1)} µs per message`,
    );

    const databaseUrl = await freshHubDatabase(context.environment);
    const kafka = benchKafka(context.environment, 'p15');
    await ensureBenchTopics(kafka, [{ topic: BASELINE_TOPIC, partitions: 6 }]);
    const hub = new HubDeployment(context.environment, databaseUrl);
    await hub.start([{ service: 'relay' }]);
    const producer = kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
    });
    await producer.connect();
    const produce = async (messages: readonly KafkaMessage[], signed: boolean): Promise<number> => {
      const started = performance.now();
      for (let start = 0; start < messages.length; start += BATCH_SIZE) {
        const batch = messages.slice(start, start + BATCH_SIZE);
        await producer.send({
          topic: BASELINE_TOPIC,
          acks: -1,
          messages: signed ? batch.map((message) => signer.sign(BASELINE_TOPIC, message)) : batch,
        });
      }
      return messages.length / ((performance.now() - started) / 1000);
    };
    try {
      const throughput = await repeat(
        context,
        'signing producer and relay vs unsigned producer',
        async (run) => {
          const batch = eventBatch(`p15-${run}-${Date.now()}`, count);
          // An untimed pass warms the producer and the topic; then U S S U, so neither meets the broker warmer.
          await produce(batch.messages, false);
          const timed = { signed: 0, unsigned: 0 };
          for (const signed of [false, true, true, false]) {
            timed[signed ? 'signed' : 'unsigned'] += (await produce(batch.messages, signed)) / 2;
          }
          const unsigned = timed.unsigned;
          const signedRate = timed.signed;
          const committedAt = await commitToOutbox(databaseUrl, batch.events);
          const lastMarked = await outboxDrained(databaseUrl, 300_000);
          const relayRate = count / ((lastMarked - committedAt) / 1000);
          return { figure: signedRate, baseline: unsigned, detail: { relayRate } };
        },
        (figures) =>
          `signing producer ${Math.round(figures.figure)}/s, unsigned ${Math.round(
            figures.baseline ?? 0,
          )}/s, relay ${Math.round(Number(figures.detail?.relayRate))}/s`,
      );
      const ed25519Runs = micro.map((run) => ({
        figure: Number(run.detail?.ed25519Micros),
        baseline: run.figure,
      }));
      const relayRuns = throughput.map((run) => ({
        figure: Number(run.detail?.relayRate),
        baseline: run.baseline,
      }));
      const note = `${count.toLocaleString('en-US')} messages per run`;
      return [
        summarize(
          {
            id: 'P15a',
            what: 'Provenance: HMAC-SHA-256 sign + verify per canonical message',
            unit: 'µs/message',
            baselineLabel: 'CloudEvents encode + decode (validated) per message',
            targets: [{ kind: 'ratio-at-most', value: 0.25 }],
          },
          micro,
          `${microCount.toLocaleString('en-US')} messages per run`,
        ),
        summarize(
          {
            id: 'P15b',
            what: 'Provenance alternative: Ed25519 sign + verify per message (not used)',
            unit: 'µs/message',
            baselineLabel: 'HMAC-SHA-256 sign + verify',
            targets: [],
          },
          ed25519Runs,
          'why the hub signs with HMAC',
        ),
        summarize(
          {
            id: 'P15c',
            what: 'Provenance: raw producer signing each message with HMAC',
            unit: 'events/s',
            baselineLabel: 'the same producer, unsigned',
            targets: [{ kind: 'ratio-at-least', value: 0.9 }],
          },
          throughput,
          note,
        ),
        summarize(
          {
            id: 'P15d',
            what: `Provenance: relay (signing) publishing to ${TOPICS.alerts}`,
            unit: 'events/s',
            baselineLabel: 'raw kafkajs producer, unsigned (as P1)',
            targets: [{ kind: 'ratio-at-least', value: 0.6 }],
          },
          relayRuns,
          note,
        ),
      ];
    } finally {
      await producer.disconnect();
      await hub.stop();
    }
  },
};
