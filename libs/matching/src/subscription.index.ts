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

/**
 * The dimensions of a filed key other than digit HS prefixes (see keys below). A key is an int32:
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

/**
 * An open-addressing hash table (linear probing) from (key, country) to the first placement of
 * the list filed there, all in one Int32Array of [key, country, head] triples: a lookup reads one
 * or two cache lines and allocates nothing, where a Map per bucket would chase several objects.
 * Head 0 marks a free slot (placement 0 is never used). Removal shifts back the slots after it,
 * so no tombstones build up with churn.
 */
class PlacementTable {
  private slots: Int32Array;
  private mask: number;
  private count = 0;

  constructor(capacity = 64) {
    this.slots = new Int32Array(capacity * 3);
    this.mask = capacity - 1;
  }

  head(key: number, country: number): number {
    const slots = this.slots;
    const mask = this.mask;
    for (let slot = mix(key, country) & mask; ; slot = (slot + 1) & mask) {
      const at = slot * 3;
      const head = slots[at + 2];
      if (head === 0 || (slots[at] === key && slots[at + 1] === country)) return head;
    }
  }

  /** Sets the head of the list at (key, country); 0 removes the key. */
  setHead(key: number, country: number, head: number): void {
    const slot = this.slotOf(key, country);
    const at = slot * 3;
    if (this.slots[at + 2] !== 0) {
      if (head !== 0) this.slots[at + 2] = head;
      else this.clear(slot);
      return;
    }
    if (head === 0) return;
    this.slots[at] = key;
    this.slots[at + 1] = country;
    this.slots[at + 2] = head;
    this.count += 1;
    // At most 3/4 full: linear probing stays short, and the table costs 16 bytes a key or less.
    if (this.count * 4 > (this.mask + 1) * 3) this.resize((this.mask + 1) * 2);
  }

  private slotOf(key: number, country: number): number {
    const slots = this.slots;
    const mask = this.mask;
    for (let slot = mix(key, country) & mask; ; slot = (slot + 1) & mask) {
      const at = slot * 3;
      if (slots[at + 2] === 0 || (slots[at] === key && slots[at + 1] === country)) return slot;
    }
  }

  private clear(free: number): void {
    const slots = this.slots;
    const mask = this.mask;
    let hole = free;
    for (let slot = (hole + 1) & mask; slots[slot * 3 + 2] !== 0; slot = (slot + 1) & mask) {
      const home = mix(slots[slot * 3], slots[slot * 3 + 1]) & mask;
      // The entry may move into the hole unless its home lies cyclically in (hole, slot].
      const stays = hole <= slot ? home > hole && home <= slot : home > hole || home <= slot;
      if (stays) continue;
      slots.copyWithin(hole * 3, slot * 3, slot * 3 + 3);
      hole = slot;
    }
    slots.fill(0, hole * 3, hole * 3 + 3);
    this.count -= 1;
  }

  private resize(capacity: number): void {
    const old = this.slots;
    this.slots = new Int32Array(capacity * 3);
    this.mask = capacity - 1;
    for (let at = 0; at < old.length; at += 3) {
      if (old[at + 2] === 0) continue;
      const slot = this.slotOf(old[at], old[at + 1]);
      this.slots.set(old.subarray(at, at + 3), slot * 3);
    }
  }
}

/**
 * Strings of the filters and subscribers, shared and numbered: a population of subscriptions names
 * the same few hundred countries, codes and prefixes over and over, and each copy would cost its
 * own heap object; the number is what the placement keys are made of. It holds each distinct value
 * once, however often subscriptions come and go.
 */
class StringPool {
  private readonly ids = new Map<string, number>();
  private readonly strings: string[] = [];
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
const NO_SUBSCRIBER: SubscriberProfile = Object.freeze({ code: '', kind: 'partner' });

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
 * All of it lives in one hash table keyed by (key, country) (see PlacementTable) whose values head
 * linked lists of placements in two Int32Arrays; the subscriptions themselves are numbered slots
 * of parallel arrays. An event computes the keys of its own facts: the numeric key of each prefix
 * of each HS code at a length some subscription uses, with each of its countries, and the keys of
 * its countries, categories, regions, type and severity buckets where subscriptions are anchored
 * so. Each candidate is reached at most once per event (a stamp per slot, not a set) and verified
 * in full: filterAccepts for the whole filter, and mayRead, the same handling rule as every REST
 * read, for the subscriber. The work per event is a fixed number of table lookups (HS codes ×
 * prefix lengths in use × countries, plus a few) and one verification per candidate, allocating
 * only the returned array; it does not depend on how many subscriptions are filed elsewhere.
 */
export class SubscriptionIndex {
  private readonly bySlot = new Map<string, number>();
  private ids: string[] = [];
  private subscribers: SubscriberProfile[] = [];
  private filters: FilterCriteria[] = [];
  private readonly freeSlots: number[] = [];
  /** Stamp of the last match() that reached each slot: dedupes without allocating a set per event. */
  private seen = new Int32Array(64);

  private readonly table = new PlacementTable();
  /**
   * Placement p is [2p] = its slot × 2, + 1 when the filter has criteria the placement does not
   * prove (see file), and [2p + 1] = the next placement of the same list (0 ends it). Side by
   * side, so that following a list reads one cache line per placement.
   */
  private placements = new Int32Array(512);
  private freePlacement = 0;
  private placementCount = 1;

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
    this.subscribers[slot] = this.pool.subscriber(subscription.subscriber);
    this.filters[slot] = filter;
    this.file(slot, filter, true);
    this.bySlot.set(subscription.id, slot);
  }

  /** Removes a subscription; true when there was one. */
  remove(id: string): boolean {
    const slot = this.bySlot.get(id);
    if (slot === undefined) return false;
    // The filter is the index's own frozen copy: it yields the same placements as when filed.
    this.file(slot, this.filters[slot], false);
    this.ids[slot] = '';
    this.subscribers[slot] = NO_SUBSCRIBER;
    this.filters[slot] = NO_FILTER;
    this.freeSlots.push(slot);
    this.bySlot.delete(id);
    return true;
  }

  /** Ids of the subscriptions whose filter accepts the event and whose subscriber may read it, in no set order. */
  match(facts: EventFacts): string[] {
    this.nextStamp();
    this.candidates = 0;
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
        this.check(this.table.head(dimensionKey(TYPE, type), ANY_COUNTRY), facts, matched);
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
        this.check(this.table.head(dimensionKey(SEVERITY, bucket), ANY_COUNTRY), facts, matched);
    }
    return matched;
  }

  private nextStamp(): void {
    if (this.stamp === 0x7fffffff) {
      this.seen.fill(0);
      this.stamp = 0;
    }
    this.stamp += 1;
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
      this.check(this.table.head(key, ANY_COUNTRY), facts, matched);
      this.matchCountries(key, facts, matched);
    }
  }

  private matchHsKey(length: number, key: number, facts: EventFacts, matched: string[]): void {
    if (this.hsBlindAt[length] !== 0) this.check(this.table.head(key, ANY_COUNTRY), facts, matched);
    if (this.hsCountryAt[length] !== 0) this.matchCountries(key, facts, matched);
  }

  private matchCountries(key: number, facts: EventFacts, matched: string[]): void {
    const countries = this.eventCountries;
    for (let index = 0; index < this.eventCountryCount; index += 1)
      this.check(this.table.head(key, countries[index]), facts, matched);
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
        this.check(this.table.head(dimensionKey(dimension, id), ANY_COUNTRY), facts, matched);
    }
  }

  private check(head: number, facts: EventFacts, matched: string[]): void {
    const placements = this.placements;
    const seen = this.seen;
    const stamp = this.stamp;
    for (let placement = head; placement !== 0; placement = placements[placement * 2 + 1]) {
      const filed = placements[placement * 2];
      const slot = filed >>> 1;
      if (seen[slot] === stamp) continue;
      seen[slot] = stamp;
      this.candidates += 1;
      // The key the event reached proves the anchor (and country) criteria; filterAccepts judges the rest.
      if ((filed & 1) !== 0 && !filterAccepts(this.filters[slot], facts)) continue;
      if (mayRead(this.subscribers[slot], facts.audience)) matched.push(this.ids[slot]);
    }
  }

  /**
   * Files the slot under every (key, country) of its filter, or takes it out of them. A key an
   * event reaches proves the filter's criterion of that dimension: the HS prefix is one of the
   * filter's and starts one of the event's codes (equal digits, or the same pooled string), or
   * the country, category, region, type or severity bucket is one of both. Filed under each of
   * its countries, the country criterion is proven too. Only a filter with criteria beyond those
   * is marked for filterAccepts at match time; the others need only the handling rule.
   */
  private file(slot: number, filter: FilterCriteria, add: boolean): void {
    const countries = (keyCount: number): readonly number[] | null => {
      if (filter.countries === undefined) return null;
      const named = unique(filter.countries);
      return keyCount * named.length <= MAX_PLACEMENTS
        ? named.map((country) => this.pool.idOf(country))
        : null;
    };
    const criteria = Object.keys(filter).length;
    if (filter.hsPrefixes !== undefined) {
      const prefixes = unique(filter.hsPrefixes);
      const within = countries(prefixes.length);
      const filed = slot * 2 + (criteria > (within === null ? 1 : 2) ? 1 : 0);
      for (const prefix of prefixes) {
        const numeric = NUMERIC_PREFIX.test(prefix);
        const key = numeric
          ? POWERS_OF_TEN[prefix.length] + Number(prefix || '0')
          : dimensionKey(HS_OTHER, this.pool.idOf(prefix));
        const placed = this.placeUnder(key, within, filed, add);
        if (numeric) (within === null ? this.hsBlindAt : this.hsCountryAt)[prefix.length] += placed;
        else {
          const count = (this.otherHsAt.get(prefix.length) ?? 0) + placed;
          if (count === 0) this.otherHsAt.delete(prefix.length);
          else this.otherHsAt.set(prefix.length, count);
        }
      }
      return;
    }
    const anchors: [number, readonly string[] | undefined][] = [
      [COUNTRY, filter.countries],
      [CATEGORY, filter.categories],
      [REGION, filter.regions],
      [TYPE, filter.types],
    ];
    const filed = slot * 2 + (criteria > 1 ? 1 : 0);
    for (const [dimension, values] of anchors) {
      if (values === undefined) continue;
      for (const value of unique<string>(values))
        this.anchoredIn[dimension] += this.placeUnder(
          dimensionKey(dimension, this.pool.idOf(value)),
          null,
          filed,
          add,
        );
      return;
    }
    // The bucket proves a known minSeverity; an unknown one (bucket 0) is left to filterAccepts to refuse.
    const bucket = severityBucketOf(filter);
    this.anchoredIn[SEVERITY] += this.placeUnder(
      dimensionKey(SEVERITY, bucket),
      null,
      slot * 2 + (criteria > 1 || (criteria === 1 && bucket === 0) ? 1 : 0),
      add,
    );
  }

  /** Links (or unlinks) the filed slot under the key, with each country or country-blind; the change in placements. */
  private placeUnder(key: number, countries: readonly number[] | null, filed: number, add: boolean): number {
    if (countries === null)
      return add ? this.link(key, ANY_COUNTRY, filed) : this.unlink(key, ANY_COUNTRY, filed);
    let placed = 0;
    for (const country of countries)
      placed += add ? this.link(key, country, filed) : this.unlink(key, country, filed);
    return placed;
  }

  private link(key: number, country: number, filed: number): number {
    const placement = this.newPlacement();
    this.placements[placement * 2] = filed;
    this.placements[placement * 2 + 1] = this.table.head(key, country);
    this.table.setHead(key, country, placement);
    return 1;
  }

  private unlink(key: number, country: number, filed: number): number {
    const placements = this.placements;
    let previous = 0;
    for (let placement = this.table.head(key, country); placement !== 0;) {
      const next = placements[placement * 2 + 1];
      if (placements[placement * 2] !== filed) {
        previous = placement;
        placement = next;
        continue;
      }
      if (previous === 0) this.table.setHead(key, country, next);
      else placements[previous * 2 + 1] = next;
      placements[placement * 2 + 1] = this.freePlacement;
      this.freePlacement = placement;
      return -1;
    }
    return 0;
  }

  private newPlacement(): number {
    if (this.freePlacement !== 0) {
      const placement = this.freePlacement;
      this.freePlacement = this.placements[placement * 2 + 1];
      return placement;
    }
    if (this.placementCount * 2 === this.placements.length) this.placements = grown(this.placements);
    return this.placementCount++;
  }

  private newSlot(): number {
    const slot = this.ids.length;
    this.ids.push('');
    this.subscribers.push(NO_SUBSCRIBER);
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
