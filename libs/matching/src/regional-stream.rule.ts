import { isRegionCode, type RegionCode } from '@hub/contracts';
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
 * The regions whose regional stream (hub.region.<code>.v1) carries this event: each concerned
 * region whose RILOs may read the record, as mayRead decides for a RILO of that region that is
 * neither originator nor recipient. So 'community', 'members' and 'region' records go to the
 * streams of the regions they concern, 'restricted' ones (and anything the rule does not know)
 * to none; an event concerning no region goes to no stream.
 */
export function regionalStreamRegions(facts: EventFacts): RegionCode[] {
  const code = bystanderCode(facts.audience);
  const regions: RegionCode[] = [];
  for (const region of facts.regions) {
    if (!isRegionCode(region) || regions.includes(region)) continue;
    const rilo: ReaderProfile = { code, kind: 'rilo', region };
    if (mayRead(rilo, facts.audience)) regions.push(region);
  }
  return regions;
}
