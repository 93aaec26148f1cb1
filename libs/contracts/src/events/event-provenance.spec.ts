import { randomBytes } from 'node:crypto';
import { publishedAlert } from '../testing/record.fixtures';
import { buildCloudEvent } from './hub-cloud-event.envelope';
import { EVENT_TYPES } from './hub-event.constants';
import { TOPICS } from './topic.catalog';
import {
  PROVENANCE_HEADER,
  ProvenanceKey,
  ProvenanceSigner,
  ProvenanceVerifier,
  type ProvenanceCheck,
} from './event-provenance';
import { encodeKafkaMessage, type KafkaMessage, type ReceivedKafkaMessage } from './kafka-binding.codec';

const key = ProvenanceKey.fromBase64(randomBytes(32).toString('base64'));
const signer = new ProvenanceSigner(key);
const verifier = new ProvenanceVerifier([key]);

function genuine(): KafkaMessage {
  const event = buildCloudEvent({
    record: publishedAlert(),
    type: EVENT_TYPES.alertPublished,
    id: '7d0f5a9e-1c55-4a8e-9d8e-3f3c3c1b9e11',
    source: '/organizations/fr-douane',
    time: '2026-03-01T09:00:00.000Z',
  });
  return signer.sign(TOPICS.alerts, encodeKafkaMessage(event));
}

/** The message as a consumer receives it from kafkajs: key, value and headers as Buffers. */
function received(message: KafkaMessage): ReceivedKafkaMessage {
  return {
    key: Buffer.from(message.key),
    value: Buffer.from(message.value),
    headers: Object.fromEntries(
      Object.entries(message.headers).map(([name, value]) => [name, Buffer.from(value)]),
    ),
  };
}

const refused = (problem: string): ProvenanceCheck => ({ verified: false, problem }) as ProvenanceCheck;

describe(ProvenanceSigner.name, () => {
  it('adds a v1 header naming the key, outside the CloudEvents attributes', () => {
    const header = genuine().headers[PROVENANCE_HEADER];
    expect(header).toMatch(new RegExp(`^v1;kid=${key.id};sig=[A-Za-z0-9_-]{43}$`));
    expect(PROVENANCE_HEADER.startsWith('ce_')).toBe(false);
  });

  it('signs what the relay sends (strings) the way the router receives it (Buffers)', () => {
    const message = genuine();
    expect(verifier.verify(TOPICS.alerts, message)).toEqual({ verified: true, keyId: key.id });
    expect(verifier.verify(TOPICS.alerts, received(message))).toEqual({ verified: true, keyId: key.id });
  });

  it('never puts the key material where a logger would find it', () => {
    const material = randomBytes(32).toString('base64');
    const loaded = ProvenanceKey.fromBase64(material);
    const shown = JSON.stringify({ key: loaded, signer: new ProvenanceSigner(loaded) });
    expect(shown).not.toContain(material);
    expect(shown).not.toContain(Buffer.from(material, 'base64').toString('hex'));
  });
});

describe(ProvenanceVerifier.name, () => {
  it('refuses a message without the header: anything a plain producer writes', () => {
    const { [PROVENANCE_HEADER]: _dropped, ...headers } = genuine().headers;
    expect(verifier.verify(TOPICS.alerts, { ...genuine(), headers })).toEqual(
      refused('no provenance header'),
    );
  });

  it('refuses a copy whose data was altered (handling widened), keeping the signature', () => {
    const message = genuine();
    const widened = String(message.value).replace('"handling":"community"', '"handling":"members"');
    expect(widened).not.toBe(message.value);
    expect(verifier.verify(TOPICS.alerts, { ...message, value: widened })).toEqual(
      refused('signature does not match'),
    );
  });

  it('refuses a genuine signature replayed on another record id, topic or attribute', () => {
    const message = genuine();
    const otherRecord = 'a4b9a3a0-2c1e-4f7a-8d0b-5a1f3d2c9e77';
    expect(verifier.verify(TOPICS.alerts, { ...message, key: otherRecord })).toEqual(
      refused('signature does not match'),
    );
    expect(
      verifier.verify(TOPICS.alerts, {
        ...message,
        headers: { ...message.headers, ce_subject: otherRecord },
      }),
    ).toEqual(refused('signature does not match'));
    expect(verifier.verify(TOPICS.seizures, message)).toEqual(refused('signature does not match'));
    expect(
      verifier.verify(TOPICS.alerts, { ...message, headers: { ...message.headers, ce_handling: 'members' } }),
    ).toEqual(refused('signature does not match'));
  });

  it('refuses a header the signer did not send, and a null key or value in place of an empty one', () => {
    const message = genuine();
    expect(
      verifier.verify(TOPICS.alerts, { ...message, headers: { ...message.headers, ce_extra: 'x' } }),
    ).toEqual(refused('signature does not match'));
    const empty = signer.sign(TOPICS.alerts, { key: '', value: '', headers: {} });
    expect(verifier.verify(TOPICS.alerts, empty)).toEqual({ verified: true, keyId: key.id });
    expect(verifier.verify(TOPICS.alerts, { ...empty, key: null })).toEqual(
      refused('signature does not match'),
    );
    expect(verifier.verify(TOPICS.alerts, { ...empty, value: null })).toEqual(
      refused('signature does not match'),
    );
  });

  it('refuses a signature made with another key, even one that claims the right key id', () => {
    const forger = new ProvenanceSigner(ProvenanceKey.fromBase64(randomBytes(32).toString('base64')));
    const forged = forger.sign(TOPICS.alerts, { ...genuine(), headers: { ...genuine().headers } });
    expect(verifier.verify(TOPICS.alerts, forged)).toEqual(refused('unknown signing key'));
    const claimed = String(forged.headers[PROVENANCE_HEADER]).replace(/kid=[^;]+/, `kid=${key.id}`);
    expect(
      verifier.verify(TOPICS.alerts, {
        ...forged,
        headers: { ...forged.headers, [PROVENANCE_HEADER]: claimed },
      }),
    ).toEqual(refused('signature does not match'));
  });

  it('refuses malformed and repeated headers', () => {
    const message = genuine();
    const header = String(message.headers[PROVENANCE_HEADER]);
    for (const bad of [
      '',
      'v1',
      header.replace('v1;', 'v2;'),
      `${header}x`,
      header.slice(0, -1),
      `${header};x=1`,
    ]) {
      expect(
        verifier.verify(TOPICS.alerts, {
          ...message,
          headers: { ...message.headers, [PROVENANCE_HEADER]: bad },
        }),
      ).toEqual(refused('malformed provenance header'));
    }
    expect(
      verifier.verify(TOPICS.alerts, {
        ...message,
        headers: { ...message.headers, [PROVENANCE_HEADER]: [header, header] },
      }),
    ).toEqual(refused('repeated provenance header'));
  });

  it('accepts a retired key it was given, for messages signed before a rotation', () => {
    const next = ProvenanceKey.fromBase64(randomBytes(48).toString('base64'));
    const rotated = new ProvenanceVerifier([next, key]);
    const before = genuine();
    const after = new ProvenanceSigner(next).sign(TOPICS.alerts, {
      ...before,
      headers: { ...before.headers },
    });
    expect(rotated.verify(TOPICS.alerts, before)).toEqual({ verified: true, keyId: key.id });
    expect(rotated.verify(TOPICS.alerts, after)).toEqual({ verified: true, keyId: next.id });
    expect(verifier.verify(TOPICS.alerts, after)).toEqual(refused('unknown signing key'));
  });
});

describe(ProvenanceKey.name, () => {
  it('needs at least 32 bytes of base64 key material', () => {
    expect(() => ProvenanceKey.fromBase64(randomBytes(31).toString('base64'))).toThrow('at least 32 bytes');
    expect(() => ProvenanceKey.fromBase64('not base64!')).toThrow('base64');
    expect(ProvenanceKey.fromBase64(randomBytes(32).toString('base64')).id).toMatch(/^[A-Za-z0-9_-]{12}$/);
  });

  it('derives a stable id from the key, different for another key', () => {
    const material = randomBytes(32).toString('base64');
    expect(ProvenanceKey.fromBase64(material).id).toBe(ProvenanceKey.fromBase64(material).id);
    expect(ProvenanceKey.fromBase64(material).id).not.toBe(key.id);
  });

  it('reads a comma-separated list of retired keys, or none', () => {
    const list = [randomBytes(32), randomBytes(32)].map((bytes) => bytes.toString('base64')).join(',');
    expect(ProvenanceKey.listFromBase64(list)).toHaveLength(2);
    expect(ProvenanceKey.listFromBase64(undefined)).toEqual([]);
    expect(ProvenanceKey.listFromBase64('')).toEqual([]);
  });
});
