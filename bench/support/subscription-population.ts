import {
  MEMBER_COUNTRY_REGIONS,
  RILOS,
  SEVERITIES,
  type RegionCode,
  type StrategicCategory,
} from '@hub/contracts';
import {
  type EventFacts,
  type IndexedSubscription,
  type ReaderProfile,
  SubscriptionIndex,
} from '@hub/matching';

/** A small deterministic PRNG (mulberry32), so every run matches the same population against the same events. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Random = () => number;
const pick = <T>(random: Random, items: readonly T[]): T => items[Math.floor(random() * items.length)];
const some = <T>(random: Random, items: readonly T[], min: number, max: number): T[] => {
  const count = min + Math.floor(random() * (max - min + 1));
  const chosen = new Set<T>();
  while (chosen.size < count) chosen.add(pick(random, items));
  return [...chosen];
};

const COUNTRIES = Object.keys(MEMBER_COUNTRY_REGIONS);
const PARTNERS = ['iaea', 'opcw', 'interpol', 'unodc', 'unoda'];
/** HS chapters of strategic goods (chemicals, metals, machinery, electronics, vehicles, aircraft, optics, arms). */
const CHAPTERS = ['28', '29', '38', '72', '76', '81', '84', '85', '87', '88', '90', '93'];
const CATEGORY_BY_CHAPTER: Record<string, StrategicCategory> = {
  '28': 'chemical',
  '29': 'chemical',
  '38': 'chemical',
  '72': 'dual-use',
  '76': 'dual-use',
  '81': 'nuclear',
  '84': 'dual-use',
  '85': 'dual-use',
  '87': 'conventional-arms',
  '88': 'missile',
  '90': 'dual-use',
  '93': 'conventional-arms',
};

/** 2,400 six-digit subheadings in the strategic chapters: the codes records and watch lists name. */
const SUBHEADINGS: readonly string[] = (() => {
  const random = seededRandom(7);
  const codes = new Set<string>();
  while (codes.size < 2400) {
    const heading = String(1 + Math.floor(random() * 99)).padStart(2, '0');
    const sub = String(10 + Math.floor(random() * 90));
    codes.add(`${pick(random, CHAPTERS)}${heading}${sub}`);
  }
  return [...codes];
})();

function subscriber(random: Random): ReaderProfile {
  const roll = random();
  if (roll < 0.8) {
    const country = pick(random, COUNTRIES);
    return { code: `customs-${country.toLowerCase()}`, kind: 'member', country };
  }
  if (roll < 0.9) {
    const rilo = pick(random, RILOS);
    return { code: rilo.code, kind: 'rilo', region: rilo.region };
  }
  if (roll < 0.98) return { code: pick(random, PARTNERS), kind: 'partner' };
  return { code: 'wco-secretariat', kind: 'secretariat' };
}

const nationalLine = (random: Random, code: string): string =>
  random() < 0.5 ? code : `${code}${pick(random, ['10', '20', '90'])}`;

/**
 * Watch-list subscriptions, the kind that make a population of this size: each names goods (an
 * HS subheading or national line, or a heading) and the countries it watches, and belongs to a
 * member, RILO, partner or the Secretariat. Broad feeds (a region, a category, a country desk)
 * are left out on purpose: there are a few per organization whatever the size of the hub, and
 * what they match grows with their number whatever an index does; the scale figure is about the
 * cost of the subscriptions an event does not concern.
 *   65 % goods watch: 1–3 subheadings or national lines, 1–3 countries, now and then a category
 *   35 % heading watch: 1–2 four-digit headings, 1–2 countries, half of them high severity and up
 */
export function subscriptionPopulation(count: number, seed = 1): IndexedSubscription[] {
  const random = seededRandom(seed);
  return Array.from({ length: count }, (_, index) => {
    const goods = random() < 0.65;
    const codes = goods
      ? some(random, SUBHEADINGS, 1, 3).map((code) => nationalLine(random, code))
      : some(random, SUBHEADINGS, 1, 2).map((code) => code.slice(0, 4));
    const filter: IndexedSubscription['filter'] = {
      hsPrefixes: codes,
      countries: some(random, COUNTRIES, 1, goods ? 3 : 2),
      ...(goods && random() < 0.2 ? { categories: [CATEGORY_BY_CHAPTER[codes[0].slice(0, 2)]] } : {}),
      ...(!goods && random() < 0.5 ? { minSeverity: 'high' } : {}),
    };
    return {
      id: `00000000-0000-4000-8000-${String(index).padStart(12, '0')}`,
      subscriber: subscriber(random),
      filter,
    };
  });
}

/**
 * What the router knows of an event before matching: 1–3 commodities in the strategic chapters,
 * a route through 2–4 countries and the regions they are in, a handling rule (30 % community,
 * 40 % members, 20 % region, 10 % restricted to one or two recipients).
 */
export function eventFactsSample(count: number, seed = 2): EventFacts[] {
  const random = seededRandom(seed);
  return Array.from({ length: count }, () => {
    const hsCodes = some(random, SUBHEADINGS, 1, 3).map((code) => nationalLine(random, code));
    const countries = some(random, COUNTRIES, 2, 4);
    const regions = [...new Set(countries.map((country) => MEMBER_COUNTRY_REGIONS[country]))] as RegionCode[];
    const categories = [...new Set(hsCodes.map((code) => CATEGORY_BY_CHAPTER[code.slice(0, 2)]))];
    const roll = random();
    const handling = roll < 0.3 ? 'community' : roll < 0.7 ? 'members' : roll < 0.9 ? 'region' : 'restricted';
    const type = random() < 0.7 ? 'alert' : 'seizure';
    return {
      type,
      regions,
      countries,
      hsCodes,
      categories,
      ...(type === 'alert' ? { severity: pick(random, SEVERITIES) } : {}),
      audience: {
        originator: `customs-${countries[0].toLowerCase()}`,
        handling,
        regions,
        recipients: handling === 'restricted' ? some(random, PARTNERS, 1, 2) : [],
        excludeOrganizations: [],
        excludeCountries: [],
      },
    } satisfies EventFacts;
  });
}

/**
 * The broad feeds of a hub (a region desk, a category feed): few whatever the size of the hub,
 * and the subscriptions that most events concern.
 */
function broadFeeds(count: number, seed: number): IndexedSubscription[] {
  const random = seededRandom(seed);
  const regions = [...new Set(RILOS.map((rilo) => rilo.region))];
  const categories = [...new Set(Object.values(CATEGORY_BY_CHAPTER))];
  return Array.from({ length: count }, (_, index) => ({
    id: `00000000-0000-4000-9000-${String(index).padStart(12, '0')}`,
    subscriber: subscriber(random),
    filter:
      random() < 0.5 ? { regions: [pick(random, regions)] } : { categories: [pick(random, categories)] },
  }));
}

/**
 * Two populations that produce the same matches for `events` (the P4 workload): the baseline of
 * `baseCount` (a few broad feeds and watch lists), and the same subscriptions plus watch lists
 * from the same generator that none of these events concerns, up to `scaledCount`. Their ratio
 * then prices only what the scale figure is about: the subscriptions an event does not concern.
 */
export function matchedPopulations(
  baseCount: number,
  scaledCount: number,
  events: readonly EventFacts[],
): { base: IndexedSubscription[]; scaled: IndexedSubscription[] } {
  const feeds = broadFeeds(Math.round(baseCount * 0.02), 5);
  const base = [...feeds, ...subscriptionPopulation(baseCount - feeds.length, 1)];
  const unconcerned: IndexedSubscription[] = [];
  for (let seed = 11; unconcerned.length < scaledCount - baseCount; seed++) {
    const candidates = subscriptionPopulation(scaledCount, seed).map((subscription) => ({
      ...subscription,
      id: subscription.id.replace(/^00000000/, String(seed).padStart(8, '0')),
    }));
    const index = new SubscriptionIndex();
    for (const candidate of candidates) index.upsert(candidate);
    const concerned = new Set(events.flatMap((facts) => index.match(facts)));
    for (const candidate of candidates) {
      if (!concerned.has(candidate.id) && unconcerned.length < scaledCount - baseCount)
        unconcerned.push(candidate);
    }
  }
  return { base, scaled: [...base, ...unconcerned] };
}
