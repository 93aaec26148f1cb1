import { SEVERITIES, severityRank } from '@hub/contracts';
import type { EventFacts } from './event.facts';
import { mayRead, type ReaderProfile } from './handling.rule';
import { filterAccepts, type FilterCriteria } from './subscription-filter.rule';

/**
 * The organization that owns a subscription, as registered: it is the reader the handling rule
 * judges, exactly as for its REST reads. (An alias rather than an empty interface extending
 * ReaderProfile, which the lint rules refuse; the type is the same.)
 */
export type SubscriberProfile = ReaderProfile;

export interface IndexedSubscription {
  id: string;
  subscriber: SubscriberProfile;
  filter: FilterCriteria;
}

/** The dimension a subscription is filed under, most selective first (see SubscriptionIndex). */
type AnchorDimension = 'hsPrefixes' | 'countries' | 'categories' | 'regions' | 'types' | 'severity';

const KEYED_DIMENSIONS = ['countries', 'categories', 'regions', 'types'] as const;
type KeyedDimension = (typeof KEYED_DIMENSIONS)[number];

/**
 * A subscription filed under its anchor keys and, when its filter names countries, under each
 * of those within every anchor bucket: keys × countries placements, kept small by this bound
 * (beyond it the subscription goes to the bucket's country-blind part).
 */
const MAX_PLACEMENTS = 64;

interface Entry {
  readonly id: string;
  readonly subscriber: SubscriberProfile;
  readonly filter: FilterCriteria;
  readonly anchor: AnchorDimension;
  /** The keys of `anchor` the entry is filed under (prefixes, codes, or the severity bucket). */
  readonly keys: readonly string[];
  /** The countries it is filed under inside each anchor bucket, or null: the country-blind part. */
  readonly countries: readonly string[] | null;
  /** Stamp of the last lookup that reached this entry: dedupes without allocating a set per event. */
  seen: number;
}

/** One entry, or several: most places hold a single subscription, which then needs no array. */
type Slot = Entry | Entry[];

/**
 * The subscriptions filed under one anchor key: those whose filter names countries by country
 * (an event looks only under its own countries), the others together.
 */
interface Bucket {
  blind: Slot | undefined;
  byCountry: Map<string, Slot> | undefined;
}

interface TrieNode {
  readonly children: Map<string, TrieNode>;
  bucket: Bucket | undefined;
}

function trieNode(): TrieNode {
  return { children: new Map(), bucket: undefined };
}

function slotWith(slot: Slot | undefined, entry: Entry): Slot {
  if (slot === undefined) return entry;
  if (Array.isArray(slot)) {
    slot.push(entry);
    return slot;
  }
  return [slot, entry];
}

function slotWithout(slot: Slot | undefined, entry: Entry): Slot | undefined {
  if (slot === undefined || slot === entry) return undefined;
  if (!Array.isArray(slot)) return slot;
  const at = slot.indexOf(entry);
  if (at >= 0) {
    slot[at] = slot[slot.length - 1];
    slot.pop();
  }
  return slot.length === 1 ? slot[0] : slot.length === 0 ? undefined : slot;
}

const isEmpty = (bucket: Bucket): boolean => bucket.blind === undefined && bucket.byCountry === undefined;

/**
 * Strings of the filters and subscribers, shared: a population of subscriptions names the same
 * few hundred countries, codes and prefixes over and over, and each copy would cost its own heap
 * object. It holds each distinct value once, however often subscriptions come and go.
 */
class StringPool {
  private readonly strings = new Map<string, string>();
  private readonly subscribers = new Map<string, SubscriberProfile>();

  /** One frozen profile per organization: each has many subscriptions. */
  subscriber(profile: SubscriberProfile): SubscriberProfile {
    const key = `${profile.code}|${profile.kind}|${profile.country ?? ''}|${profile.region ?? ''}`;
    let shared = this.subscribers.get(key);
    if (shared === undefined) {
      shared = Object.freeze({
        code: this.of(profile.code),
        kind: profile.kind,
        ...(profile.country === undefined ? {} : { country: this.of(profile.country) }),
        ...(profile.region === undefined ? {} : { region: profile.region }),
      });
      this.subscribers.set(key, shared);
    }
    return shared;
  }

  of(value: string): string {
    const known = this.strings.get(value);
    if (known !== undefined) return known;
    this.strings.set(value, value);
    return value;
  }

  list<T extends string>(values: readonly T[] | undefined): readonly T[] | undefined {
    return values === undefined ? undefined : Object.freeze(values.map((value) => this.of(value) as T));
  }
}

/** Severity buckets of the match-all list: 0 holds filters without minSeverity, r + 1 those with rank r. */
const SEVERITY_BUCKETS = SEVERITIES.length + 1;

function severityBucketOf(filter: FilterCriteria): number {
  // An unknown minSeverity goes with the unfiltered ones; filterAccepts then refuses every event.
  return filter.minSeverity === undefined ? 0 : Math.max(0, severityRank(filter.minSeverity) + 1);
}

/**
 * Chooses the anchor: the most selective dimension the filter constrains. HS prefixes first (a
 * heading or subheading singles out few events), then countries, categories, regions and record
 * types; a filter with none of them is "match all" (minSeverity aside). A present dimension is
 * chosen even when empty: filed under no key, such a (malformed) filter is never a candidate,
 * which is what filterAccepts says of it too.
 */
function anchorOf(filter: FilterCriteria): { anchor: AnchorDimension; keys: readonly string[] } {
  if (filter.hsPrefixes !== undefined) return { anchor: 'hsPrefixes', keys: unique(filter.hsPrefixes) };
  for (const dimension of KEYED_DIMENSIONS) {
    const values = filter[dimension];
    if (values !== undefined) return { anchor: dimension, keys: unique<string>(values) };
  }
  return { anchor: 'severity', keys: SEVERITY_KEYS[severityBucketOf(filter)] };
}

const SEVERITY_KEYS = Array.from({ length: SEVERITY_BUCKETS }, (_, bucket) =>
  Object.freeze([String(bucket)]),
);

/** The values once each: the (frozen) list itself when it has no repeats, as it usually has none. */
function unique<T>(values: readonly T[]): readonly T[] {
  return new Set(values).size === values.length ? values : Object.freeze([...new Set(values)]);
}

/** Countries to file under within the anchor buckets (an empty list files nowhere, as it matches nothing). */
function countriesOf(
  filter: FilterCriteria,
  anchor: AnchorDimension,
  keys: readonly string[],
): readonly string[] | null {
  if (anchor === 'countries' || filter.countries === undefined) return null;
  const countries = unique(filter.countries);
  return keys.length * countries.length <= MAX_PLACEMENTS ? countries : null;
}

/**
 * Subscriptions indexed for matching events. Each subscription is filed once per value of ONE
 * dimension, its anchor (see anchorOf): the HS prefixes in a trie keyed digit by digit, countries,
 * categories, regions and types in maps, filters without any of these in severity buckets. Inside
 * each of those buckets a subscription that names countries is filed under each of its countries,
 * so that a subscription to some goods "from or to these countries" is looked at only for events
 * concerning one of them. An event then reaches only the subscriptions filed under its own facts:
 * walking the trie along each of its HS codes collects every subscription with a prefix of that
 * code, a lookup per country, category, region and its type collects the others, and in each
 * bucket it looks under its own countries. Each candidate is reached at most once per event (a
 * stamp, not a set) and verified in full: filterAccepts for the whole filter, and mayRead, the
 * same handling rule as every REST read, for the subscriber. The work per event is the trie walk
 * (at most 10 steps per HS code), a few map lookups per fact, and one verification per candidate;
 * it does not depend on how many subscriptions are filed elsewhere.
 */
export class SubscriptionIndex {
  private readonly byId = new Map<string, Entry>();
  private readonly hsTrie: TrieNode = trieNode();
  private readonly keyed: Record<KeyedDimension, Map<string, Bucket>> = {
    countries: new Map(),
    categories: new Map(),
    regions: new Map(),
    types: new Map(),
  };
  private readonly severityBuckets: Bucket[] = Array.from({ length: SEVERITY_BUCKETS }, () => ({
    blind: undefined,
    byCountry: undefined,
  }));
  private readonly pool = new StringPool();
  private stamp = 0;
  private candidates = 0;

  get size(): number {
    return this.byId.size;
  }

  /** How many subscriptions the last match() verified: a measure of its work, for tests and metrics. */
  get lastCandidateCount(): number {
    return this.candidates;
  }

  /** Adds a subscription, or replaces the one with the same id everywhere it was filed. */
  upsert(subscription: IndexedSubscription): void {
    this.remove(subscription.id);
    // Copies (frozen, strings shared), so that a caller changing its objects later cannot desynchronize the index.
    const filter = this.copyFilter(subscription.filter);
    const { anchor, keys } = anchorOf(filter);
    const entry: Entry = {
      id: subscription.id,
      subscriber: this.pool.subscriber(subscription.subscriber),
      filter,
      anchor,
      keys,
      countries: countriesOf(filter, anchor, keys),
      seen: 0,
    };
    for (const key of entry.keys) this.place(this.bucketFor(entry.anchor, key, true)!, entry);
    this.byId.set(entry.id, entry);
  }

  /** Removes a subscription; true when there was one. */
  remove(id: string): boolean {
    const entry = this.byId.get(id);
    if (entry === undefined) return false;
    for (const key of entry.keys) {
      const bucket = this.bucketFor(entry.anchor, key, false);
      if (bucket !== undefined) this.displace(bucket, entry);
      this.prune(entry.anchor, key);
    }
    this.byId.delete(id);
    return true;
  }

  /** Ids of the subscriptions whose filter accepts the event and whose subscriber may read it, in no set order. */
  match(facts: EventFacts): string[] {
    this.stamp += 1;
    this.candidates = 0;
    const matched: string[] = [];
    for (const code of facts.hsCodes) {
      let node: TrieNode | undefined = this.hsTrie;
      this.visit(node.bucket, facts, matched);
      for (let index = 0; index < code.length && node !== undefined; index += 1) {
        node = node.children.get(code[index]);
        if (node !== undefined) this.visit(node.bucket, facts, matched);
      }
    }
    this.visitKeys(this.keyed.countries, facts.countries, facts, matched);
    this.visitKeys(this.keyed.categories, facts.categories, facts, matched);
    this.visitKeys(this.keyed.regions, facts.regions, facts, matched);
    this.visit(this.keyed.types.get(facts.type), facts, matched);
    // Seizure notices pass any minSeverity; an alert reaches the buckets up to its own severity.
    const lastBucket =
      facts.type === 'alert'
        ? facts.severity === undefined
          ? 0
          : Math.max(0, severityRank(facts.severity) + 1)
        : SEVERITY_BUCKETS - 1;
    for (let bucket = 0; bucket <= lastBucket; bucket += 1) {
      this.visit(this.severityBuckets[bucket], facts, matched);
    }
    return matched;
  }

  private copyFilter(filter: FilterCriteria): FilterCriteria {
    const copy: { -readonly [K in keyof FilterCriteria]: FilterCriteria[K] } = {};
    if (filter.types !== undefined) copy.types = this.pool.list(filter.types);
    if (filter.regions !== undefined) copy.regions = this.pool.list(filter.regions);
    if (filter.countries !== undefined) copy.countries = this.pool.list(filter.countries);
    if (filter.hsPrefixes !== undefined) copy.hsPrefixes = this.pool.list(filter.hsPrefixes);
    if (filter.categories !== undefined) copy.categories = this.pool.list(filter.categories);
    if (filter.minSeverity !== undefined)
      copy.minSeverity = this.pool.of(filter.minSeverity) as typeof filter.minSeverity;
    return Object.freeze(copy);
  }

  private place(bucket: Bucket, entry: Entry): void {
    if (entry.countries === null) {
      bucket.blind = slotWith(bucket.blind, entry);
      return;
    }
    bucket.byCountry ??= new Map();
    for (const country of entry.countries)
      bucket.byCountry.set(country, slotWith(bucket.byCountry.get(country), entry));
  }

  private displace(bucket: Bucket, entry: Entry): void {
    if (entry.countries === null) {
      bucket.blind = slotWithout(bucket.blind, entry);
      return;
    }
    const byCountry = bucket.byCountry;
    if (byCountry === undefined) return;
    for (const country of entry.countries) {
      const rest = slotWithout(byCountry.get(country), entry);
      if (rest === undefined) byCountry.delete(country);
      else byCountry.set(country, rest);
    }
    if (byCountry.size === 0) bucket.byCountry = undefined;
  }

  private visitKeys(
    map: Map<string, Bucket>,
    keys: readonly string[],
    facts: EventFacts,
    matched: string[],
  ): void {
    for (const key of keys) this.visit(map.get(key), facts, matched);
  }

  private visit(bucket: Bucket | undefined, facts: EventFacts, matched: string[]): void {
    if (bucket === undefined) return;
    this.check(bucket.blind, facts, matched);
    const byCountry = bucket.byCountry;
    if (byCountry === undefined) return;
    for (const country of facts.countries) this.check(byCountry.get(country), facts, matched);
  }

  private check(slot: Slot | undefined, facts: EventFacts, matched: string[]): void {
    if (slot === undefined) return;
    if (!Array.isArray(slot)) {
      this.verify(slot, facts, matched);
      return;
    }
    for (let index = 0; index < slot.length; index += 1) this.verify(slot[index], facts, matched);
  }

  private verify(entry: Entry, facts: EventFacts, matched: string[]): void {
    if (entry.seen === this.stamp) return;
    entry.seen = this.stamp;
    this.candidates += 1;
    if (filterAccepts(entry.filter, facts) && mayRead(entry.subscriber, facts.audience))
      matched.push(entry.id);
  }

  private bucketFor(anchor: AnchorDimension, key: string, create: boolean): Bucket | undefined {
    if (anchor === 'severity') return this.severityBuckets[Number(key)];
    if (anchor === 'hsPrefixes') {
      let node = this.hsTrie;
      // By UTF-16 unit, exactly as match() walks the event's codes.
      for (let index = 0; index < key.length; index += 1) {
        let child = node.children.get(key[index]);
        if (child === undefined) {
          if (!create) return undefined;
          child = trieNode();
          node.children.set(key[index], child);
        }
        node = child;
      }
      if (node.bucket === undefined && create) node.bucket = { blind: undefined, byCountry: undefined };
      return node.bucket;
    }
    const map = this.keyed[anchor];
    let bucket = map.get(key);
    if (bucket === undefined && create) {
      bucket = { blind: undefined, byCountry: undefined };
      map.set(key, bucket);
    }
    return bucket;
  }

  /** Drops the buckets and trie branches a removal left empty, so churn does not grow the index. */
  private prune(anchor: AnchorDimension, key: string): void {
    if (anchor === 'severity') return;
    if (anchor !== 'hsPrefixes') {
      const bucket = this.keyed[anchor].get(key);
      if (bucket !== undefined && isEmpty(bucket)) this.keyed[anchor].delete(key);
      return;
    }
    const path: TrieNode[] = [this.hsTrie];
    for (let index = 0; index < key.length; index += 1) {
      const child = path[path.length - 1].children.get(key[index]);
      if (child === undefined) return;
      path.push(child);
    }
    for (let depth = path.length - 1; depth > 0; depth -= 1) {
      const node = path[depth];
      if (node.bucket !== undefined && isEmpty(node.bucket)) node.bucket = undefined;
      if (node.bucket !== undefined || node.children.size > 0) return;
      path[depth - 1].children.delete(key[depth - 1]);
    }
    if (this.hsTrie.bucket !== undefined && isEmpty(this.hsTrie.bucket)) this.hsTrie.bucket = undefined;
  }
}
