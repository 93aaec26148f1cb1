import { isRegionCode, regionOfCountry, type RegionCode } from '@hub/contracts';
import type { EventFacts } from './event.facts';
import { mayRead, type ReaderProfile, type RecordAudience } from './handling.rule';

/**
 * A code that is neither the record's originator nor one of its recipients: the reader of a
 * shared topic is any RILO of the region, so it must not inherit the originator's or a named
 * recipient's right to the record.
 */
function bystanderCode(audience: RecordAudience): string {
  let code = 'regional-stream';
  for (let attempt = 1; code === audience.originator || audience.recipients.includes(code); attempt += 1) {
    code = `regional-stream-${attempt}`;
  }
  return code;
}

/**
 * Whether a region's stream would reach someone the originator excluded. A shared topic cannot
 * leave out one of its readers, and it is read by the region's RILOs and by members of every
 * country of the region (stream credentials): so an excluded country keeps the record off its
 * region's stream, and an excluded organization, whose kind and region this pure rule cannot know,
 * off every stream. Those who may still read it get it by REST, pull feeds and webhooks, where
 * the hub judges each reader.
 */
function reachesExcluded(audience: EventFacts['audience'], region: RegionCode): boolean {
  const {
    excludeOrganizations,
    excludeCountries,
  }: { excludeOrganizations: unknown; excludeCountries: unknown } = audience;
  if (!Array.isArray(excludeOrganizations) || !Array.isArray(excludeCountries)) return true;
  if (excludeOrganizations.length > 0) return true;
  return excludeCountries.some(
    (country) => typeof country !== 'string' || regionOfCountry(country) === region,
  );
}

/**
 * The regions whose regional stream (hub.region.<code>.v1) carries this event: each concerned
 * region whose RILOs may read the record, as mayRead decides for a RILO of that region that is
 * neither originator nor recipient, and whose stream reaches no one excluded (reachesExcluded).
 * So 'community', 'members' and 'region' records go to the streams of the regions they concern,
 * 'restricted' ones (and anything the rule does not know) to none; an event concerning no region
 * goes to no stream.
 */
export function regionalStreamRegions(facts: EventFacts): RegionCode[] {
  const code = bystanderCode(facts.audience);
  const regions: RegionCode[] = [];
  for (const region of facts.regions) {
    if (!isRegionCode(region) || regions.includes(region)) continue;
    const rilo: ReaderProfile = { code, kind: 'rilo', region };
    if (mayRead(rilo, facts.audience) && !reachesExcluded(facts.audience, region)) regions.push(region);
  }
  return regions;
}
