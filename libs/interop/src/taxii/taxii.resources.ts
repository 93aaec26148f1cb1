import type { StixObject } from '../stix/stix-bundle.mapper';
import { STIX_MEDIA_TYPE } from '../stix/stix-bundle.mapper';

/** The media type of every TAXII 2.1 answer, errors included. */
export const TAXII_MEDIA_TYPE = 'application/taxii+json;version=2.1';

/** Objects per page when the client names no limit, and the most it may ask for. */
export const TAXII_DEFAULT_LIMIT = 100;
export const TAXII_MAX_LIMIT = 1000;

export interface TaxiiDiscovery {
  title: string;
  description: string;
  default: string;
  api_roots: string[];
}

export interface TaxiiApiRoot {
  title: string;
  description: string;
  versions: string[];
  max_content_length: number;
}

export interface TaxiiCollection {
  id: string;
  title: string;
  description?: string;
  can_read: boolean;
  can_write: boolean;
  media_types: string[];
}

/** A TAXII error message (TAXII 2.1 §3.6.1); `http_status` is a string there. */
export interface TaxiiError {
  title: string;
  description?: string;
  http_status: string;
  error_id?: string;
}

export function taxiiDiscovery(apiRootUrl: string): TaxiiDiscovery {
  return {
    title: 'Cosmo Hub TAXII 2.1',
    description:
      "Alerts and seizure notices on strategic goods as STIX 2.1, read only: one collection per subscription of the caller's organization.",
    default: apiRootUrl,
    api_roots: [apiRootUrl],
  };
}

export function taxiiApiRoot(maxContentLength: number): TaxiiApiRoot {
  return {
    title: 'Cosmo Hub',
    description: "The records each of the caller's subscriptions matched, under their handling rules.",
    versions: [TAXII_MEDIA_TYPE],
    max_content_length: maxContentLength,
  };
}

/** A subscription as a read-only collection of the STIX objects of what it matched. */
export function taxiiCollection(subscription: { id: string; name: string }): TaxiiCollection {
  return {
    id: subscription.id,
    title: subscription.name,
    description: 'The alerts and seizure notices this subscription matched, one report per record version.',
    can_read: true,
    can_write: false,
    media_types: [STIX_MEDIA_TYPE],
  };
}

export function taxiiError(status: number, title: string, description?: string): TaxiiError {
  return { title, ...(description ? { description } : {}), http_status: String(status) };
}

/** A feed entry as TAXII sees it: when it was added and the STIX objects of its record version. */
export interface TaxiiEntry<P> {
  position: P;
  /** TAXII timestamp (UTC, microseconds) of the entry. */
  dateAdded: string;
  /** Empty when the caller may no longer read the entry: it is passed over. */
  objects: readonly StixObject[];
}

/** Where a page starts: after the entry at `after`, skipping the first `skip` objects of the next one. */
export interface TaxiiPosition<P> {
  after: P | null;
  skip: number;
}

export interface TaxiiItem<P = unknown> {
  object: StixObject;
  dateAdded: string;
  /** The entry it came from. */
  position: P;
}

export interface TaxiiPage<P> {
  items: TaxiiItem<P>[];
  /** Where the next page starts; null once the collection has nothing more now. */
  next: TaxiiPosition<P> | null;
}

/**
 * Reads up to `limit` objects from `start`, entry after entry in the feed's gap-free order; a
 * page may end inside an entry, and the next one resumes there, so paging never skips or
 * repeats an object whatever the limit. `read` returns the entries after a position, oldest first.
 */
export async function readTaxiiPage<P>(
  read: (after: P | null, count: number) => Promise<readonly TaxiiEntry<P>[]>,
  start: TaxiiPosition<P>,
  limit: number,
): Promise<TaxiiPage<P>> {
  const items: TaxiiItem<P>[] = [];
  let { after, skip } = start;
  for (;;) {
    const batch = await read(after, limit + 1);
    for (const entry of batch) {
      const rest = entry.objects.slice(skip);
      const room = limit - items.length;
      if (rest.length > room) {
        items.push(
          ...rest
            .slice(0, room)
            .map((object) => ({ object, dateAdded: entry.dateAdded, position: entry.position })),
        );
        return { items, next: { after, skip: skip + room } };
      }
      items.push(...rest.map((object) => ({ object, dateAdded: entry.dateAdded, position: entry.position })));
      after = entry.position;
      skip = 0;
    }
    if (batch.length < limit + 1) return { items, next: null };
  }
}

export interface TaxiiManifestRecord {
  id: string;
  date_added: string;
  version: string;
  media_type: string;
}

/** The manifest line of an object: its version is `modified`, or `created` for objects without one. */
export function manifestRecord(item: TaxiiItem): TaxiiManifestRecord {
  const version = (item.object.modified ?? item.object.created) as string;
  return { id: item.object.id, date_added: item.dateAdded, version, media_type: STIX_MEDIA_TYPE };
}

/** TAXII timestamps: RFC 3339 in UTC with `Z`, any sub-second precision up to microseconds. */
export const TAXII_TIMESTAMP =
  /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])T([01]\d|2[0-3]):[0-5]\d:[0-5]\d(\.\d{1,6})?Z$/;
