/** One entry of an Accept header: `type/subtype;param=value;q=0.5`. */
export interface AcceptedMediaType {
  type: string;
  parameters: Record<string, string>;
  quality: number;
}

/** The entries of an Accept header (RFC 9110 §12.5.1), lowercased, unquoted; entries with q=0 kept. */
export function parseAccept(header: string | undefined): AcceptedMediaType[] {
  if (!header) return [];
  return header
    .split(',')
    .map((entry) => entry.split(';').map((part) => part.trim()))
    .filter(([type]) => type.includes('/'))
    .map(([type, ...rawParameters]) => {
      const parameters: Record<string, string> = {};
      for (const parameter of rawParameters) {
        const at = parameter.indexOf('=');
        if (at <= 0) continue;
        parameters[parameter.slice(0, at).trim().toLowerCase()] = parameter
          .slice(at + 1)
          .trim()
          .replace(/^"(.*)"$/, '$1');
      }
      const quality = parameters.q === undefined ? 1 : Number(parameters.q);
      delete parameters.q;
      return {
        type: type.toLowerCase(),
        parameters,
        quality: Number.isFinite(quality) ? Math.min(Math.max(quality, 0), 1) : 0,
      };
    });
}

function bestQuality(
  entries: readonly AcceptedMediaType[],
  matches: (entry: AcceptedMediaType) => boolean,
): number {
  return entries.filter(matches).reduce((best, entry) => Math.max(best, entry.quality), 0);
}

/** A versioned media type (`application/stix+json;version=2.1`): no version parameter means any. */
function isVersion(entry: AcceptedMediaType, type: string, version: string): boolean {
  return (
    entry.type === type && (entry.parameters.version === undefined || entry.parameters.version === version)
  );
}

const STIX_TYPE = 'application/stix+json';
const TAXII_TYPE = 'application/taxii+json';
const WILDCARDS = new Set(['*/*', 'application/*']);

export type RecordRendering = 'json' | 'stix' | 'not-acceptable';

/**
 * How to answer a record read: the hub's JSON unless the caller prefers STIX 2.1. A caller that
 * asks only for STIX in another version is told 406 rather than given something it did not ask for;
 * any other Accept keeps the JSON answer, as before STIX existed.
 */
export function recordRendering(accept: string | undefined): RecordRendering {
  const entries = parseAccept(accept);
  const stix = bestQuality(entries, (entry) => isVersion(entry, STIX_TYPE, '2.1'));
  const json = bestQuality(
    entries,
    (entry) => entry.type === 'application/json' || WILDCARDS.has(entry.type),
  );
  if (stix > 0 && stix >= json) return 'stix';
  if (json === 0 && entries.some((entry) => entry.type === STIX_TYPE && entry.quality > 0))
    return 'not-acceptable';
  return 'json';
}

/** TAXII 2.1 answers only its own media type: a missing Accept or a wildcard also takes it. */
export function acceptsTaxii(accept: string | undefined): boolean {
  const entries = parseAccept(accept);
  if (entries.length === 0) return true;
  return (
    bestQuality(entries, (entry) => isVersion(entry, TAXII_TYPE, '2.1') || WILDCARDS.has(entry.type)) > 0
  );
}
