import { createHmac, timingSafeEqual } from 'node:crypto';
import type { KafkaMessage, ReceivedKafkaMessage } from './kafka-binding.codec';

/**
 * Proof that a message on a canonical topic was published by the hub's relay: an HMAC-SHA-256,
 * with a key only the relay and the router hold, over the topic, the key, every header and the
 * value. It travels in a header of its own, not a `ce_` attribute, so CloudEvents consumers do
 * not take it for an extension. The router checks it before decoding anything; a message that
 * fails is never routed. Regional topics never carry it (the router re-encodes what it routes).
 *
 * Header value: `v1;kid=<key id>;sig=<base64url of the 32-byte MAC>`.
 */
export const PROVENANCE_HEADER = 'hub-provenance';

const FORMAT = 'v1';
const MAC_INPUT_TAG = Buffer.from('hub-provenance/v1\0', 'utf8');
const HEADER_PATTERN = /^v1;kid=([A-Za-z0-9_-]{1,64});sig=([A-Za-z0-9_-]{43})$/;
const NO_BYTES = 0xffff_ffff;
export const MIN_PROVENANCE_KEY_BYTES = 32;
/** A base64 key of at least 32 bytes (43 significant characters), as configuration validates it. */
export const PROVENANCE_KEY_PATTERN = /^[A-Za-z0-9+/]{43,}={0,2}$/;
/** One or more such keys, comma-separated. */
export const PROVENANCE_KEY_LIST_PATTERN = /^[A-Za-z0-9+/]{43,}={0,2}(,[A-Za-z0-9+/]{43,}={0,2})*$/;

/** Why a message's provenance could not be verified (the router's dead letter says it). */
export type ProvenanceProblem =
  | 'no provenance header'
  | 'repeated provenance header'
  | 'malformed provenance header'
  | 'unknown signing key'
  | 'signature does not match';

export type ProvenanceCheck =
  { verified: true; keyId: string } | { verified: false; problem: ProvenanceProblem };

/** Key material, out of reach of a logger or JSON.stringify that is given a ProvenanceKey. */
const SECRETS = new WeakMap<ProvenanceKey, Buffer>();

function secretOf(key: ProvenanceKey): Buffer {
  return SECRETS.get(key) as Buffer;
}

/** A signing key and its id (derived from the key, so the two can never disagree). */
export class ProvenanceKey {
  readonly id: string;

  private constructor(secret: Buffer) {
    SECRETS.set(this, secret);
    this.id = createHmac('sha256', secret)
      .update('hub-provenance key id')
      .digest()
      .subarray(0, 9)
      .toString('base64url');
  }

  /** From base64 (`openssl rand -base64 32`); at least 32 bytes of key material. */
  static fromBase64(text: string): ProvenanceKey {
    const trimmed = text.trim();
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(trimmed)) throw new Error('a signing key must be base64');
    const secret = Buffer.from(trimmed, 'base64');
    if (secret.length < MIN_PROVENANCE_KEY_BYTES)
      throw new Error(`a signing key must hold at least ${MIN_PROVENANCE_KEY_BYTES} bytes`);
    return new ProvenanceKey(secret);
  }

  /** A comma-separated list of base64 keys (retired keys kept to verify the history). */
  static listFromBase64(text: string | undefined): ProvenanceKey[] {
    if (!text?.trim()) return [];
    return text.split(',').map((part) => ProvenanceKey.fromBase64(part));
  }
}

type HeaderInput = string | Buffer | readonly (string | Buffer)[] | undefined;

function bytes(value: string | Buffer): Buffer {
  return typeof value === 'string' ? Buffer.from(value, 'utf8') : value;
}

/**
 * Writes the MAC input into one reused buffer (one HMAC update, no allocation per message: signing
 * is on the relay's hot path, verifying on the router's): each field length-prefixed, so no two
 * different messages give the same input, and null distinct from empty. Synchronous, so one
 * scratch buffer serves every caller.
 */
class MacInput {
  private static scratch = Buffer.allocUnsafe(16 * 1024);
  private readonly buffer: Buffer;
  private offset = 0;

  constructor(capacity: number) {
    if (MacInput.scratch.length < capacity) MacInput.scratch = Buffer.allocUnsafe(capacity * 2);
    this.buffer = MacInput.scratch;
  }

  count(value: number): void {
    this.buffer.writeUInt32BE(value, this.offset);
    this.offset += 4;
  }

  field(value: string | Buffer | null | undefined): void {
    if (value === null || value === undefined) return this.count(NO_BYTES);
    const start = this.offset + 4;
    const length =
      typeof value === 'string' ? this.buffer.write(value, start, 'utf8') : value.copy(this.buffer, start);
    this.buffer.writeUInt32BE(length, this.offset);
    this.offset = start + length;
  }

  /** A view of the scratch buffer: used at once, before the next message overwrites it. */
  bytes(): Buffer {
    return this.buffer.subarray(0, this.offset);
  }
}

/** Room for a field: 4 length bytes, and at most 3 UTF-8 bytes per UTF-16 unit of a string. */
function room(value: string | Buffer | null | undefined): number {
  if (value === null || value === undefined) return 4;
  return 4 + (typeof value === 'string' ? value.length * 3 : value.length);
}

/**
 * The MAC input: topic, key, every header but the provenance header (sorted by name, a repeated
 * header's values in order), then the value. Every header is covered, so a forger can neither
 * change a routing attribute nor add one the signer did not send.
 */
function macInput(
  topic: string,
  key: string | Buffer | null | undefined,
  headers: Record<string, HeaderInput>,
  value: string | Buffer | null,
): Buffer {
  const names = Object.keys(headers)
    .filter((name) => name !== PROVENANCE_HEADER && headers[name] !== undefined)
    .sort();
  const valuesOf = (name: string): readonly (string | Buffer)[] => {
    const raw = headers[name] as string | Buffer | readonly (string | Buffer)[];
    return Array.isArray(raw) ? (raw as readonly (string | Buffer)[]) : [raw as string | Buffer];
  };
  let capacity = MAC_INPUT_TAG.length + room(topic) + room(key) + 4 + room(value);
  for (const name of names) {
    capacity += room(name) + 4;
    for (const one of valuesOf(name)) capacity += room(one);
  }
  const input = new MacInput(capacity);
  input.field(MAC_INPUT_TAG);
  input.field(topic);
  input.field(key);
  input.count(names.length);
  for (const name of names) {
    const values = valuesOf(name);
    input.field(name);
    input.count(values.length);
    for (const one of values) input.field(one);
  }
  input.field(value);
  return input.bytes();
}

function mac(secret: Buffer, input: Buffer): Buffer {
  return createHmac('sha256', secret).update(input).digest();
}

/** Signs canonical messages (the relay). */
export class ProvenanceSigner {
  constructor(private readonly key: ProvenanceKey) {}

  get keyId(): string {
    return this.key.id;
  }

  /** The message with its provenance header added; the topic is signed too, so a copy on another topic fails. */
  sign(topic: string, message: KafkaMessage): KafkaMessage {
    const signature = mac(secretOf(this.key), macInput(topic, message.key, message.headers, message.value));
    return {
      ...message,
      headers: {
        ...message.headers,
        [PROVENANCE_HEADER]: `${FORMAT};kid=${this.key.id};sig=${signature.toString('base64url')}`,
      },
    };
  }
}

/** Verifies canonical messages (the router), with the current key and any retired ones still trusted. */
export class ProvenanceVerifier {
  private readonly keys: ReadonlyMap<string, ProvenanceKey>;

  constructor(keys: readonly ProvenanceKey[]) {
    if (keys.length === 0) throw new Error('a provenance verifier needs at least one key');
    this.keys = new Map(keys.map((key) => [key.id, key]));
  }

  verify(topic: string, message: ReceivedKafkaMessage): ProvenanceCheck {
    const headers = message.headers ?? {};
    const raw = Object.prototype.hasOwnProperty.call(headers, PROVENANCE_HEADER)
      ? headers[PROVENANCE_HEADER]
      : undefined;
    if (raw === undefined) return { verified: false, problem: 'no provenance header' };
    if (Array.isArray(raw) && raw.length !== 1)
      return { verified: false, problem: 'repeated provenance header' };
    const text = bytes((Array.isArray(raw) ? raw[0] : raw) as string | Buffer).toString('utf8');
    const parsed = HEADER_PATTERN.exec(text);
    if (!parsed) return { verified: false, problem: 'malformed provenance header' };
    const key = this.keys.get(parsed[1]);
    if (!key) return { verified: false, problem: 'unknown signing key' };
    const given = Buffer.from(parsed[2], 'base64url');
    const expected = mac(secretOf(key), macInput(topic, message.key, headers, message.value));
    // Both are 32 bytes (the pattern fixes the length): a constant-time comparison.
    if (given.length !== expected.length || !timingSafeEqual(given, expected))
      return { verified: false, problem: 'signature does not match' };
    return { verified: true, keyId: key.id };
  }
}
