import { createHash } from 'node:crypto';

/** The hub's own UUIDv5 namespace: every STIX id it renders is derived from it, never random. */
export const COSMO_HUB_STIX_NAMESPACE = '00123557-5b1b-48b9-b98b-28c6205f9603';

/** RFC 9562 UUID version 5 (SHA-1 of namespace and name). */
export function uuidV5(name: string, namespace: string = COSMO_HUB_STIX_NAMESPACE): string {
  const bytes = createHash('sha1')
    .update(Buffer.from(namespace.replace(/-/g, ''), 'hex'))
    .update(name, 'utf8')
    .digest()
    .subarray(0, 16);
  bytes[6] = (bytes[6] & 0x0f) | 0x50;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** A STIX identifier `<type>--<uuidv5>`: the same name always gives the same id. */
export function stixId(type: string, name: string): string {
  return `${type}--${uuidV5(`${type}:${name}`)}`;
}

/** STIX timestamps are UTC with milliseconds; records may carry an offset (`+01:00`). */
export function stixTimestamp(value: string): string {
  return new Date(value).toISOString();
}
