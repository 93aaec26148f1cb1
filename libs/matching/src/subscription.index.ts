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

interface Entry {
  readonly id: string;
  readonly subscriber: SubscriberProfile;
  readonly filter: FilterCriteria;
  readonly anchor: AnchorDimension;
  /** The keys of `anchor` the entry is filed under (prefixes, codes, or the severity bucket). */
  readonly keys: readonly string[];
  /** Stamp of the last lookup that reached this entry: dedupes without allocating a set per event. */
  seen: number;
}

interface TrieNode {
  readonly children: Map<string, TrieNode>;
  entries: Set<Entry> | undefined;
}

function trieNode(): TrieNode {
  return { children: new Map(), entries: undefined };
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
  if (filter.hsPrefixes !== undefined) return { anchor: 'hsPrefixes', keys: [...new Set(filter.hsPrefixes)] };
  for (const dimension of KEYED_DIMENSIONS) {
    const values = filter[dimension];
    if (values !== undefined) return { anchor: dimension, keys: [...new Set<string>(values)] };
  }
  return { anchor: 'severity', keys: [String(severityBucketOf(filter))] };
}

/**
 * Subscriptions indexed for matching events. Each subscription is filed once per value of ONE
 * dimension, its anchor (see anchorOf): the HS prefixes in a trie keyed digit by digit, countries,
 * categories, regions and types in maps, filters without any of these in severity buckets. An
 * event then reaches only the subscriptions filed under its own facts: walking the trie along each
 * of its HS codes collects every subscription with a prefix of that code, a lookup per country,
 * category, region and its type collects the others. Each candidate is reached at most once per
 * event (a stamp, not a set) and verified in full: filterAccepts for the whole filter, and mayRead,
 * the same handling rule as every REST read, for the subscriber. The work per event is the trie
 * walk (at most 10 steps per HS code), one map lookup per fact, and one verification per
 * candidate; it does not depend on how many subscriptions are filed elsewhere.
 */
export class SubscriptionIndex {
  private readonly byId = new Map<string, Entry>();
  private readonly hsTrie: TrieNode = trieNode();
  private readonly keyed: Record<KeyedDimension, Map<string, Set<Entry>>> = {
    countries: new Map(),
    categories: new Map(),
    regions: new Map(),
    types: new Map(),
  };
  private readonly severityBuckets: Set<Entry>[] = Array.from({ length: SEVERITY_BUCKETS }, () => new Set());
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
    // Copies, so that a caller changing its objects later cannot desynchronize the index.
    const filter = structuredClone(subscription.filter);
    const entry: Entry = {
      id: subscription.id,
      subscriber: { ...subscription.subscriber },
      filter,
      ...anchorOf(filter),
      seen: 0,
    };
    for (const key of entry.keys) this.bucketFor(entry.anchor, key, true)?.add(entry);
    this.byId.set(entry.id, entry);
  }

  /** Removes a subscription; true when there was one. */
  remove(id: string): boolean {
    const entry = this.byId.get(id);
    if (entry === undefined) return false;
    for (const key of entry.keys) {
      this.bucketFor(entry.anchor, key, false)?.delete(entry);
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
      this.visit(node.entries, facts, matched);
      for (let index = 0; index < code.length && node !== undefined; index += 1) {
        node = node.children.get(code[index]);
        this.visit(node?.entries, facts, matched);
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

  private visitKeys(
    map: Map<string, Set<Entry>>,
    keys: readonly string[],
    facts: EventFacts,
    matched: string[],
  ): void {
    for (const key of keys) this.visit(map.get(key), facts, matched);
  }

  private visit(bucket: Set<Entry> | undefined, facts: EventFacts, matched: string[]): void {
    if (bucket === undefined) return;
    for (const entry of bucket) {
      if (entry.seen === this.stamp) continue;
      entry.seen = this.stamp;
      this.candidates += 1;
      if (filterAccepts(entry.filter, facts) && mayRead(entry.subscriber, facts.audience))
        matched.push(entry.id);
    }
  }

  private bucketFor(anchor: AnchorDimension, key: string, create: boolean): Set<Entry> | undefined {
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
      if (node.entries === undefined && create) node.entries = new Set();
      return node.entries;
    }
    const map = this.keyed[anchor];
    let bucket = map.get(key);
    if (bucket === undefined && create) {
      bucket = new Set();
      map.set(key, bucket);
    }
    return bucket;
  }

  /** Drops the buckets and trie branches a removal left empty, so churn does not grow the index. */
  private prune(anchor: AnchorDimension, key: string): void {
    if (anchor === 'severity') return;
    if (anchor !== 'hsPrefixes') {
      if (this.keyed[anchor].get(key)?.size === 0) this.keyed[anchor].delete(key);
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
      if (node.entries?.size === 0) node.entries = undefined;
      if (node.entries !== undefined || node.children.size > 0) return;
      path[depth - 1].children.delete(key[depth - 1]);
    }
    if (this.hsTrie.entries?.size === 0) this.hsTrie.entries = undefined;
  }
}
