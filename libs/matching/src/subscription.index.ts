import { RECORD_TYPES, SEVERITIES, STRATEGIC_CATEGORIES, WCO_REGIONS, severityRank } from '@hub/contracts';
import type { EventFacts } from './event.facts';
import { mayRead, type ReaderProfile } from './handling.rule';
import { filterAccepts, type FilterCriteria } from './subscription-filter.rule';

export interface IndexedSubscription {
  id: string;
  /** The organization that owns it, as registered: the reader the handling rule judges, as for its REST reads. */
  subscriber: ReaderProfile;
  filter: FilterCriteria;
}

/**
 * The dimensions of a filed key other than digit HS prefixes. A key is an int32:
 * a digit-only HS prefix of at most 8 digits is 10^length + its value (positive, so "0084" and
 * "84" differ); anything else is -1 - (value × 8 + dimension), the value being the pooled id of
 * the string (or the severity bucket).
 */
const HS_OTHER = 0;
const COUNTRY = 1;
const CATEGORY = 2;
const REGION = 3;
const TYPE = 4;
const SEVERITY = 5;
const DIMENSIONS = 6;

const dimensionKey = (dimension: number, value: number): number => -1 - (value * 8 + dimension);

/** Digit HS prefixes up to this length have a numeric key; longer ones go by their pooled string. */
const MAX_NUMERIC_PREFIX = 8;
const POWERS_OF_TEN = Array.from({ length: MAX_NUMERIC_PREFIX + 1 }, (_, length) => 10 ** length);
const NUMERIC_PREFIX = /^[0-9]{0,8}$/;

/** The country part of a key for the subscriptions filed without a country (every country id is >= 0). */
const ANY_COUNTRY = -1;

/**
 * A subscription is filed under each of its anchor keys and, when its filter names countries,
 * under each of those with every key: keys × countries placements, kept small by this bound
 * (beyond it the subscription is filed country-blind).
 */
const MAX_PLACEMENTS = 64;

/** Severity buckets of the match-all keys: 0 holds filters without minSeverity, r + 1 those with rank r. */
const SEVERITY_BUCKETS = SEVERITIES.length + 1;

function severityBucketOf(filter: FilterCriteria): number {
  // An unknown minSeverity goes with the unfiltered ones; filterAccepts then refuses every event.
  return filter.minSeverity === undefined ? 0 : Math.max(0, severityRank(filter.minSeverity) + 1);
}

function mix(key: number, country: number): number {
  let hash = Math.imul(key, 0x9e3779b1) ^ Math.imul(country + 0x7f4a7c15, 0x85ebca77);
  hash ^= hash >>> 15;
  return Math.imul(hash, 0x2c1b3c6d) ^ (hash >>> 13);
}

/** A table entry: [key, country, then its first placement: slot, rest, subscriber; then the first further placement]. */
const ENTRY = 6;
/** A further placement of the same (key, country): [slot, rest, subscriber, next (0 ends the list)]. */
const NODE = 4;

/**
 * The placements of the subscriptions, by (key, country): an open-addressing hash table (linear
 * probing) in one Int32Array whose entries hold the first placement filed there, further ones
 * (rare: a key and country usually have one subscription) in a list of nodes. A one-byte tag of
 * each entry's hash sits beside it (0: free). Past the caches, each memory access costs a few
 * hundred nanoseconds, so a lookup scans the tags (a few hundred kilobytes for 100,000
 * subscriptions) and reads an entry only when its tag agrees: most pairs an event asks about are
 * absent and are answered from the tags, and a hit reads one entry, which holds all a candidate
 * needs. Removal shifts back the entries after it, so no tombstones build up with churn.
 */
class PlacementTable {
  /** Read by SubscriptionIndex.match, never written there. */
  entries: Int32Array<ArrayBuffer>;
  nodes = new Int32Array(NODE * 64);
  private tags: Uint8Array;
  private mask: number;
  private count = 0;
  private freeNode = 0;
  private nodeCount = 1;

  constructor(capacity = 64) {
    this.entries = new Int32Array(capacity * ENTRY);
    this.tags = new Uint8Array(capacity);
    this.mask = capacity - 1;
  }

  /** The entry of (key, country), or -1 when nothing is filed there. */
  find(key: number, country: number): number {
    const entry = this.probe(key, country);
    return this.tags[entry] === 0 ? -1 : entry;
  }

  add(key: number, country: number, slot: number, rest: number, subscriber: number): void {
    const entry = this.probe(key, country);
    const entries = this.entries;
    const at = entry * ENTRY;
    if (this.tags[entry] !== 0) {
      const node = this.newNode();
      this.nodes.set([slot, rest, subscriber, entries[at + 5]], node * NODE);
      entries[at + 5] = node;
      return;
    }
    entries.set([key, country, slot, rest, subscriber, 0], at);
    this.tags[entry] = tagOf(mix(key, country));
    this.count += 1;
    // At most 3/4 full: linear probing stays short.
    if (this.count * 4 > (this.mask + 1) * 3) this.resize((this.mask + 1) * 2);
  }

  /** Takes the slot out of (key, country); whether it was there. */
  remove(key: number, country: number, slot: number): boolean {
    const entry = this.find(key, country);
    if (entry < 0) return false;
    const entries = this.entries;
    const nodes = this.nodes;
    const at = entry * ENTRY;
    if (entries[at + 2] === slot) {
      const first = entries[at + 5];
      if (first === 0) this.clear(entry);
      else {
        // The first further placement takes its place in the entry.
        entries.set(nodes.subarray(first * NODE, first * NODE + 3), at + 2);
        entries[at + 5] = nodes[first * NODE + 3];
        this.releaseNode(first);
      }
      return true;
    }
    for (
      let node = entries[at + 5], previous = 0;
      node !== 0;
      previous = node, node = nodes[node * NODE + 3]
    ) {
      if (nodes[node * NODE] !== slot) continue;
      if (previous === 0) entries[at + 5] = nodes[node * NODE + 3];
      else nodes[previous * NODE + 3] = nodes[node * NODE + 3];
      this.releaseNode(node);
      return true;
    }
    return false;
  }

  /** The entry holding (key, country), or the free one that ends its probe sequence. */
  private probe(key: number, country: number): number {
    const entries = this.entries;
    const tags = this.tags;
    const mask = this.mask;
    const hash = mix(key, country);
    const tag = tagOf(hash);
    for (let entry = hash & mask; ; entry = (entry + 1) & mask) {
      const found = tags[entry];
      if (found === 0) return entry;
      if (found === tag && entries[entry * ENTRY] === key && entries[entry * ENTRY + 1] === country)
        return entry;
    }
  }

  private clear(free: number): void {
    const entries = this.entries;
    const tags = this.tags;
    const mask = this.mask;
    let hole = free;
    for (let entry = (hole + 1) & mask; tags[entry] !== 0; entry = (entry + 1) & mask) {
      const home = mix(entries[entry * ENTRY], entries[entry * ENTRY + 1]) & mask;
      // The entry may move into the hole unless its home lies cyclically in (hole, entry].
      const stays = hole <= entry ? home > hole && home <= entry : home > hole || home <= entry;
      if (stays) continue;
      entries.copyWithin(hole * ENTRY, entry * ENTRY, entry * ENTRY + ENTRY);
      tags[hole] = tags[entry];
      hole = entry;
    }
    entries.fill(0, hole * ENTRY, hole * ENTRY + ENTRY);
    tags[hole] = 0;
    this.count -= 1;
  }

  private resize(capacity: number): void {
    const old = this.entries;
    const oldTags = this.tags;
    this.entries = new Int32Array(capacity * ENTRY);
    this.tags = new Uint8Array(capacity);
    this.mask = capacity - 1;
    for (let entry = 0; entry < oldTags.length; entry += 1) {
      if (oldTags[entry] === 0) continue;
      const at = this.probe(old[entry * ENTRY], old[entry * ENTRY + 1]);
      this.entries.set(old.subarray(entry * ENTRY, entry * ENTRY + ENTRY), at * ENTRY);
      this.tags[at] = oldTags[entry];
    }
  }

  private newNode(): number {
    if (this.freeNode !== 0) {
      const node = this.freeNode;
      this.freeNode = this.nodes[node * NODE + 3];
      return node;
    }
    if (this.nodeCount * NODE === this.nodes.length) this.nodes = grown(this.nodes);
    return this.nodeCount++;
  }

  private releaseNode(node: number): void {
    this.nodes[node * NODE + 3] = this.freeNode;
    this.freeNode = node;
  }
}

/** The tag of a hash: its top byte, never 0 (which marks a free slot). */
const tagOf = (hash: number): number => hash >>> 24 || 1;

/**
 * Strings of the filters and subscribers, shared and numbered: a population of subscriptions names
 * the same few hundred countries, codes and prefixes over and over, and each copy would cost its
 * own heap object; the number is what the placement keys are made of. It holds each distinct value
 * once, however often subscriptions come and go.
 */
class StringPool {
  private readonly ids = new Map<string, number>();
  private readonly strings: string[] = [];
  private readonly subscriberIds = new Map<string, number>();
  /** One frozen profile per organization (each has many subscriptions), by number. */
  readonly subscribers: ReaderProfile[] = [];

  /** The number of the organization's shared profile. */
  subscriber(profile: ReaderProfile): number {
    // The operations are part of the profile: a change of participants files a new one (the old one
    // stays pooled, unused, as a code does).
    const operations = profile.operations === undefined ? undefined : [...profile.operations].sort();
    const key = `${profile.code}|${profile.kind}|${profile.country ?? ''}|${profile.region ?? ''}|${operations?.join(',') ?? ''}`;
    let id = this.subscriberIds.get(key);
    if (id === undefined) {
      id = this.subscribers.length;
      this.subscribers.push(
        Object.freeze({
          code: this.of(profile.code),
          kind: profile.kind,
          ...(profile.country === undefined ? {} : { country: this.of(profile.country) }),
          ...(profile.region === undefined ? {} : { region: profile.region }),
          ...(operations === undefined
            ? {}
            : { operations: Object.freeze(operations.map((code) => this.of(code))) }),
        }),
      );
      this.subscriberIds.set(key, id);
    }
    return id;
  }

  /** The number of a string, given it one if it had none. */
  idOf(value: string): number {
    let id = this.ids.get(value);
    if (id === undefined) {
      id = this.strings.length;
      this.strings.push(value);
      this.ids.set(value, id);
    }
    return id;
  }

  /** The number of a string if it has one: a string no subscription named has none, and matches nothing. */
  lookup(value: string): number | undefined {
    return this.ids.get(value);
  }

  of(value: string): string {
    return this.strings[this.idOf(value)];
  }

  list<T extends string>(values: readonly T[] | undefined): readonly T[] | undefined {
    return values === undefined ? undefined : Object.freeze(values.map((value) => this.of(value) as T));
  }
}

/** The values once each: the (frozen) list itself when it has no repeats, as it usually has none. */
function unique<T>(values: readonly T[]): readonly T[] {
  return new Set(values).size === values.length ? values : Object.freeze([...new Set(values)]);
}

const NO_FILTER: FilterCriteria = Object.freeze({});

/**
 * What a placement leaves to check, in one int: for each of categories, regions, types and
 * minSeverity that the key does not prove, a "present" bit and the filter's values as a bit mask
 * over the enumeration (the rank for minSeverity); 0 when nothing is left. A value outside the
 * enumerations, or countries the placement does not prove, sets CHECK_FILTER: filterAccepts then
 * judges the whole filter.
 */
const CATEGORY_BITS = 0; // 7 bits, present at 7
const REGION_BITS = 8; // 6 bits, present at 14
const TYPE_BITS = 15; // 2 bits, present at 17
const SEVERITY_BITS = 18; // rank in 2 bits, present at 20
const CATEGORIES_PRESENT = 1 << 7;
const REGIONS_PRESENT = 1 << 14;
const TYPES_PRESENT = 1 << 17;
const SEVERITY_PRESENT = 1 << 20;
const CHECK_FILTER = 1 << 21;

/** The bit mask of values over an enumeration, or -1 when one is not in it. */
function maskOf(values: readonly string[], enumeration: readonly string[]): number {
  let mask = 0;
  for (const value of values) {
    const at = enumeration.indexOf(value);
    if (at < 0) return -1;
    mask |= 1 << at;
  }
  return mask;
}

function restOf(filter: FilterCriteria, proven: ReadonlySet<keyof FilterCriteria>): number {
  let rest = 0;
  const lists: [keyof FilterCriteria, readonly string[], number, number][] = [
    ['categories', STRATEGIC_CATEGORIES, CATEGORY_BITS, CATEGORIES_PRESENT],
    ['regions', WCO_REGIONS, REGION_BITS, REGIONS_PRESENT],
    ['types', RECORD_TYPES, TYPE_BITS, TYPES_PRESENT],
  ];
  for (const [field, enumeration, shift, present] of lists) {
    const values = filter[field] as readonly string[] | undefined;
    if (values === undefined || proven.has(field)) continue;
    const mask = maskOf(values, enumeration);
    rest |= mask < 0 ? CHECK_FILTER : present | (mask << shift);
  }
  if (filter.minSeverity !== undefined && !proven.has('minSeverity')) {
    const rank = severityRank(filter.minSeverity);
    rest |= rank < 0 ? CHECK_FILTER : SEVERITY_PRESENT | (rank << SEVERITY_BITS);
  }
  // No key proves an operation: filterAccepts judges a filter that names some.
  for (const field of ['hsPrefixes', 'countries', 'operations'] as const)
    if (filter[field] !== undefined && !proven.has(field)) rest |= CHECK_FILTER;
  return rest;
}

/** The bits of the values an event has over an enumeration (values outside it match no filter's). */
function bitsOf(values: readonly string[], enumeration: readonly string[]): number {
  let mask = 0;
  for (const value of values) {
    const at = enumeration.indexOf(value);
    if (at >= 0) mask |= 1 << at;
  }
  return mask;
}

/** The event's categories, regions and type in the layout of a placement's rest (see restOf). */
function eventBits(facts: EventFacts): number {
  return (
    (bitsOf(facts.categories, STRATEGIC_CATEGORIES) << CATEGORY_BITS) |
    (bitsOf(facts.regions, WCO_REGIONS) << REGION_BITS) |
    (RECORD_TYPES.includes(facts.type) ? (1 << RECORD_TYPES.indexOf(facts.type)) << TYPE_BITS : 0)
  );
}

/** Whether the event passes what a placement leaves to check, CHECK_FILTER aside (see restOf). */
function restAccepts(rest: number, bits: number, facts: EventFacts): boolean {
  if ((rest & CATEGORIES_PRESENT) !== 0 && (rest & bits & (0x7f << CATEGORY_BITS)) === 0) return false;
  if ((rest & REGIONS_PRESENT) !== 0 && (rest & bits & (0x3f << REGION_BITS)) === 0) return false;
  if ((rest & TYPES_PRESENT) !== 0 && (rest & bits & (0x3 << TYPE_BITS)) === 0) return false;
  if ((rest & SEVERITY_PRESENT) !== 0 && facts.type === 'alert') {
    const severity = facts.severity === undefined ? -1 : severityRank(facts.severity);
    if (severity < ((rest >>> SEVERITY_BITS) & 0x3)) return false;
  }
  return true;
}

/** Up to this many candidates an event dedupes by a scan of those it reached; beyond, by stamps. */
const REACHED_LIST = 16;

/**
 * Subscriptions indexed for matching events. Each subscription is filed under the keys of ONE
 * dimension, its anchor: the most selective its filter constrains, HS prefixes first (a heading or
 * subheading singles out few events), then countries, categories, regions and record types, and a
 * filter with none of them by its minSeverity. A present but empty dimension is still the anchor:
 * filed under no key, such a (malformed) filter is never a candidate, as filterAccepts says too.
 * When the anchor is not countries and the filter names some, it is filed under each anchor key
 * paired with each country, so that a watch on some goods "from or to these countries" is looked
 * at only for events concerning one of them.
 *
 * All of it lives in one hash table of Int32s keyed by (key, country) (see PlacementTable), each
 * placement holding the subscription's slot number, its subscriber and what is left to check. An event
 * computes the keys of its own facts: the numeric key of each prefix of each HS code at a length
 * some subscription uses, with each of its countries, and the keys of its countries, categories,
 * regions, type and severity buckets where subscriptions are anchored so. The key reached proves
 * the anchor criterion, and the country criterion when filed by country; the placement carries
 * the rest of the filter as bits (see restOf), and filterAccepts judges the whole filter where
 * those cannot. Every candidate's subscriber is judged by mayRead, the same handling rule as every
 * REST read. A candidate is counted once per event however many of its keys the event reaches.
 * Where 100,000 subscriptions outgrow the processor's caches, each memory access costs a few
 * hundred nanoseconds, so the layout keeps what a candidate needs in the table entry it is reached
 * by, and the filter object is read only when its bits cannot decide. The work per event is a fixed number of table lookups (HS codes × prefix lengths in use ×
 * countries, plus a few) and one verification per candidate, allocating only the returned array;
 * it does not depend on how many subscriptions are filed elsewhere.
 */
export class SubscriptionIndex {
  private readonly bySlot = new Map<string, number>();
  private ids: string[] = [];
  private filters: FilterCriteria[] = [];
  private readonly freeSlots: number[] = [];

  private readonly table = new PlacementTable();

  /** Placements of digit HS prefixes by length, country-blind and with a country: lengths no one uses are not looked up. */
  private readonly hsBlindAt = new Int32Array(MAX_NUMERIC_PREFIX + 1);
  private readonly hsCountryAt = new Int32Array(MAX_NUMERIC_PREFIX + 1);
  /** Other HS prefixes (non-digit, or longer than MAX_NUMERIC_PREFIX): placements by length. */
  private readonly otherHsAt = new Map<number, number>();
  /** Placements per anchor dimension, so that an event skips dimensions no one is anchored in. */
  private readonly anchoredIn = new Int32Array(DIMENSIONS);

  private readonly pool = new StringPool();
  /** The event's countries as pooled ids, reused from event to event. */
  private eventCountries = new Int32Array(8);
  private eventCountryCount = 0;
  /** The event's enumeration bits (see eventBits), worked out at its first candidate that needs them. */
  private bits = -1;
  /** The slots the event reached, while few; then stamps (seen) take over. */
  private readonly reached = new Int32Array(REACHED_LIST);
  private seen = new Int32Array(64);
  private stamp = 0;
  private candidates = 0;

  get size(): number {
    return this.bySlot.size;
  }

  /** How many subscriptions the last match() verified: a measure of its work, for tests and metrics. */
  get lastCandidateCount(): number {
    return this.candidates;
  }

  /** Adds a subscription, or replaces the one with the same id everywhere it was filed. */
  upsert(subscription: IndexedSubscription): void {
    this.remove(subscription.id);
    const slot = this.freeSlots.pop() ?? this.newSlot();
    // Copies (frozen, strings shared), so that a caller changing its objects later cannot desynchronize the index.
    const filter = this.copyFilter(subscription.filter);
    this.ids[slot] = subscription.id;
    this.filters[slot] = filter;
    this.file(slot, filter, this.pool.subscriber(subscription.subscriber));
    this.bySlot.set(subscription.id, slot);
  }

  /** Removes a subscription; true when there was one. */
  remove(id: string): boolean {
    const slot = this.bySlot.get(id);
    if (slot === undefined) return false;
    // The filter is the index's own frozen copy: it yields the same keys as when filed.
    this.file(slot, this.filters[slot], -1);
    this.ids[slot] = '';
    this.filters[slot] = NO_FILTER;
    this.freeSlots.push(slot);
    this.bySlot.delete(id);
    return true;
  }

  /** Ids of the subscriptions whose filter accepts the event and whose subscriber may read it, in no set order. */
  match(facts: EventFacts): string[] {
    this.candidates = 0;
    this.bits = -1;
    const matched: string[] = [];
    this.poolCountries(facts.countries);
    for (const code of facts.hsCodes) this.matchCode(code, facts, matched);
    const anchoredIn = this.anchoredIn;
    if (anchoredIn[COUNTRY] !== 0) this.matchKeys(COUNTRY, facts.countries, facts, matched);
    if (anchoredIn[CATEGORY] !== 0) this.matchKeys(CATEGORY, facts.categories, facts, matched);
    if (anchoredIn[REGION] !== 0) this.matchKeys(REGION, facts.regions, facts, matched);
    if (anchoredIn[TYPE] !== 0) {
      const type = this.pool.lookup(facts.type);
      if (type !== undefined)
        this.check(this.table.find(dimensionKey(TYPE, type), ANY_COUNTRY), facts, matched);
    }
    if (anchoredIn[SEVERITY] !== 0) {
      // Seizure notices pass any minSeverity; an alert reaches the buckets up to its own severity.
      const lastBucket =
        facts.type === 'alert'
          ? facts.severity === undefined
            ? 0
            : Math.max(0, severityRank(facts.severity) + 1)
          : SEVERITY_BUCKETS - 1;
      for (let bucket = 0; bucket <= lastBucket; bucket += 1)
        this.check(this.table.find(dimensionKey(SEVERITY, bucket), ANY_COUNTRY), facts, matched);
    }
    return matched;
  }

  private poolCountries(countries: readonly string[]): void {
    if (this.eventCountries.length < countries.length) this.eventCountries = new Int32Array(countries.length);
    let count = 0;
    for (const country of countries) {
      const id = this.pool.lookup(country);
      if (id !== undefined) this.eventCountries[count++] = id;
    }
    this.eventCountryCount = count;
  }

  /** Every prefix of the code at a length in use: by numeric key while digits last, then by string. */
  private matchCode(code: string, facts: EventFacts, matched: string[]): void {
    if (this.hsBlindAt[0] !== 0 || this.hsCountryAt[0] !== 0) this.matchHsKey(0, 1, facts, matched);
    const numericEnd = Math.min(code.length, MAX_NUMERIC_PREFIX);
    let value = 0;
    for (let index = 0; index < numericEnd; index += 1) {
      const digit = code.charCodeAt(index) - 48;
      if (digit < 0 || digit > 9) break;
      value = value * 10 + digit;
      const length = index + 1;
      if (this.hsBlindAt[length] !== 0 || this.hsCountryAt[length] !== 0)
        this.matchHsKey(length, POWERS_OF_TEN[length] + value, facts, matched);
    }
    if (this.otherHsAt.size === 0) return;
    for (const length of this.otherHsAt.keys()) {
      if (length > code.length) continue;
      // Slow path, for prefixes no valid HS code has as digits: it slices, which a digit prefix never needs.
      const id = this.pool.lookup(length === code.length ? code : code.slice(0, length));
      if (id === undefined) continue;
      const key = dimensionKey(HS_OTHER, id);
      this.check(this.table.find(key, ANY_COUNTRY), facts, matched);
      this.matchCountries(key, facts, matched);
    }
  }

  private matchHsKey(length: number, key: number, facts: EventFacts, matched: string[]): void {
    if (this.hsBlindAt[length] !== 0) this.check(this.table.find(key, ANY_COUNTRY), facts, matched);
    if (this.hsCountryAt[length] !== 0) this.matchCountries(key, facts, matched);
  }

  private matchCountries(key: number, facts: EventFacts, matched: string[]): void {
    const countries = this.eventCountries;
    for (let index = 0; index < this.eventCountryCount; index += 1)
      this.check(this.table.find(key, countries[index]), facts, matched);
  }

  private matchKeys(
    dimension: number,
    values: readonly string[],
    facts: EventFacts,
    matched: string[],
  ): void {
    for (const value of values) {
      const id = this.pool.lookup(value);
      if (id !== undefined)
        this.check(this.table.find(dimensionKey(dimension, id), ANY_COUNTRY), facts, matched);
    }
  }

  /** The placements filed at a table entry (-1: none). */
  private check(entry: number, facts: EventFacts, matched: string[]): void {
    if (entry < 0) return;
    const entries = this.table.entries;
    const at = entry * ENTRY;
    this.consider(entries[at + 2], entries[at + 3], entries[at + 4], facts, matched);
    const nodes = this.table.nodes;
    for (let node = entries[at + 5]; node !== 0; node = nodes[node * NODE + 3])
      this.consider(nodes[node * NODE], nodes[node * NODE + 1], nodes[node * NODE + 2], facts, matched);
  }

  private consider(
    slot: number,
    rest: number,
    subscriber: number,
    facts: EventFacts,
    matched: string[],
  ): void {
    if (!this.firstReach(slot)) return;
    if (rest !== 0) {
      if ((rest & CHECK_FILTER) !== 0) {
        if (!filterAccepts(this.filters[slot], facts)) return;
      } else {
        if (this.bits < 0) this.bits = eventBits(facts);
        if (!restAccepts(rest, this.bits, facts)) return;
      }
    }
    if (mayRead(this.pool.subscribers[subscriber], facts.audience)) matched.push(this.ids[slot]);
  }

  /** Whether this is the event's first reach of the slot, counting it as a candidate if so. */
  private firstReach(slot: number): boolean {
    const count = this.candidates;
    if (count < REACHED_LIST) {
      for (let index = 0; index < count; index += 1) if (this.reached[index] === slot) return false;
      this.reached[count] = slot;
      this.candidates = count + 1;
      if (this.candidates === REACHED_LIST) {
        // Many candidates: from here on a stamp per slot, a scan of them all would grow with their square.
        this.nextStamp();
        for (let index = 0; index < REACHED_LIST; index += 1) this.seen[this.reached[index]] = this.stamp;
      }
      return true;
    }
    if (this.seen[slot] === this.stamp) return false;
    this.seen[slot] = this.stamp;
    this.candidates = count + 1;
    return true;
  }

  private nextStamp(): void {
    if (this.stamp === 0x7fffffff) {
      this.seen.fill(0);
      this.stamp = 0;
    }
    this.stamp += 1;
  }

  /**
   * Files the slot under every (key, country) of its filter, with what is left to check, or takes
   * it out of them (subscriber -1). A key an event reaches proves the filter's criterion of that
   * dimension: the HS prefix is one of the filter's and starts one of the event's codes (equal
   * digits, or the same pooled string), or the country, category, region, type or severity
   * bucket is one of both. Filed under each of its countries, the country criterion is proven too.
   */
  private file(slot: number, filter: FilterCriteria, subscriber: number): void {
    const countries = (keyCount: number): readonly number[] | null => {
      if (filter.countries === undefined) return null;
      const named = unique(filter.countries);
      return keyCount * named.length <= MAX_PLACEMENTS
        ? named.map((country) => this.pool.idOf(country))
        : null;
    };
    if (filter.hsPrefixes !== undefined) {
      const prefixes = unique(filter.hsPrefixes);
      const within = countries(prefixes.length);
      const rest = restOf(filter, new Set(within === null ? ['hsPrefixes'] : ['hsPrefixes', 'countries']));
      for (const prefix of prefixes) {
        const numeric = NUMERIC_PREFIX.test(prefix);
        const key = numeric
          ? POWERS_OF_TEN[prefix.length] + Number(prefix || '0')
          : dimensionKey(HS_OTHER, this.pool.idOf(prefix));
        const placed = this.placeUnder(key, within, slot, rest, subscriber);
        if (numeric) (within === null ? this.hsBlindAt : this.hsCountryAt)[prefix.length] += placed;
        else {
          const count = (this.otherHsAt.get(prefix.length) ?? 0) + placed;
          if (count === 0) this.otherHsAt.delete(prefix.length);
          else this.otherHsAt.set(prefix.length, count);
        }
      }
      return;
    }
    const anchors: [number, keyof FilterCriteria][] = [
      [COUNTRY, 'countries'],
      [CATEGORY, 'categories'],
      [REGION, 'regions'],
      [TYPE, 'types'],
    ];
    for (const [dimension, field] of anchors) {
      const values = filter[field] as readonly string[] | undefined;
      if (values === undefined) continue;
      const rest = restOf(filter, new Set([field]));
      for (const value of unique(values))
        this.anchoredIn[dimension] += this.placeUnder(
          dimensionKey(dimension, this.pool.idOf(value)),
          null,
          slot,
          rest,
          subscriber,
        );
      return;
    }
    // The bucket proves a known minSeverity; an unknown one (bucket 0) is left to filterAccepts to refuse.
    const bucket = severityBucketOf(filter);
    this.anchoredIn[SEVERITY] += this.placeUnder(
      dimensionKey(SEVERITY, bucket),
      null,
      slot,
      restOf(filter, new Set(bucket === 0 ? [] : ['minSeverity'])),
      subscriber,
    );
  }

  /** Links (subscriber >= 0) or unlinks the slot under the key, with each country or country-blind; the change in placements. */
  private placeUnder(
    key: number,
    countries: readonly number[] | null,
    slot: number,
    rest: number,
    subscriber: number,
  ): number {
    if (countries === null) return this.place(key, ANY_COUNTRY, slot, rest, subscriber);
    let placed = 0;
    for (const country of countries) placed += this.place(key, country, slot, rest, subscriber);
    return placed;
  }

  private place(key: number, country: number, slot: number, rest: number, subscriber: number): number {
    if (subscriber < 0) return this.table.remove(key, country, slot) ? -1 : 0;
    this.table.add(key, country, slot, rest, subscriber);
    return 1;
  }

  private newSlot(): number {
    const slot = this.ids.length;
    this.ids.push('');
    this.filters.push(NO_FILTER);
    if (slot === this.seen.length) this.seen = grown(this.seen);
    return slot;
  }

  private copyFilter(filter: FilterCriteria): FilterCriteria {
    const copy: { -readonly [K in keyof FilterCriteria]: FilterCriteria[K] } = {};
    if (filter.types !== undefined) copy.types = this.pool.list(filter.types);
    if (filter.regions !== undefined) copy.regions = this.pool.list(filter.regions);
    if (filter.countries !== undefined) copy.countries = this.pool.list(filter.countries);
    if (filter.hsPrefixes !== undefined) copy.hsPrefixes = this.pool.list(filter.hsPrefixes);
    if (filter.categories !== undefined) copy.categories = this.pool.list(filter.categories);
    if (filter.operations !== undefined) copy.operations = this.pool.list(filter.operations);
    if (filter.minSeverity !== undefined)
      copy.minSeverity = this.pool.of(filter.minSeverity) as typeof filter.minSeverity;
    return Object.freeze(copy);
  }
}

function grown(array: Int32Array<ArrayBuffer>): Int32Array<ArrayBuffer> {
  const larger = new Int32Array(array.length * 2);
  larger.set(array);
  return larger;
}
