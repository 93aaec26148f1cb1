import type { StixObject } from '../stix/stix-bundle.mapper';
import { TAXII_DEFAULT_LIMIT, TAXII_MAX_LIMIT, TAXII_TIMESTAMP } from './taxii.resources';

/** The URL parameters of TAXII's objects and manifest endpoints (TAXII 2.1 §3.4). */
export interface TaxiiQuery {
  addedAfter: string | null;
  limit: number;
  next: string | null;
  match: {
    ids: string[] | null;
    types: string[] | null;
    /** `last`, `first`, `all` or version timestamps. */
    versions: string[];
    specVersions: string[] | null;
  };
}

export interface TaxiiQueryFault {
  parameter: string;
  reason: string;
}

const PARAMETERS = new Set([
  'added_after',
  'limit',
  'next',
  'match[id]',
  'match[type]',
  'match[version]',
  'match[spec_version]',
]);
const STIX_TYPE = /^[a-z][a-z0-9-]{1,248}[a-z0-9]$/;
const STIX_ID =
  /^[a-z][a-z0-9-]+[a-z0-9]--[0-9a-f]{8}-[0-9a-f]{4}-[1-5][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const NEXT_TOKEN = /^[A-Za-z0-9_-]{1,400}$/;
const MAX_VALUES = 100;

/** A parameter given once or repeated (`?match[type]=a&match[type]=b`), values comma-separated. */
function valuesOf(raw: unknown): string[] {
  const parts: unknown[] = Array.isArray(raw) ? raw : [raw];
  return parts
    .flatMap((part) => (typeof part === 'string' ? part.split(',') : ['']))
    .map((value) => value.trim());
}

/**
 * Reads the TAXII URL parameters, naming each bad one. Unknown parameters are refused (as the
 * hub's other routes refuse them): a misspelt filter would otherwise widen the answer silently.
 */
export function parseTaxiiQuery(raw: Record<string, unknown>): {
  query?: TaxiiQuery;
  faults: TaxiiQueryFault[];
} {
  const faults: TaxiiQueryFault[] = [];
  for (const name of Object.keys(raw)) {
    if (!PARAMETERS.has(name))
      faults.push({ parameter: name, reason: 'is not a parameter of this endpoint' });
  }
  const single = (name: string): string | null => {
    const value = raw[name];
    if (value === undefined) return null;
    if (Array.isArray(value)) {
      faults.push({ parameter: name, reason: 'is given more than once' });
      return null;
    }
    return typeof value === 'string' ? value : '';
  };
  const list = (name: string, valid: (value: string) => boolean, reason: string): string[] | null => {
    if (raw[name] === undefined) return null;
    const values = valuesOf(raw[name]);
    if (values.length > MAX_VALUES || values.some((value) => !valid(value))) {
      faults.push({ parameter: name, reason });
      return null;
    }
    return values;
  };

  const addedAfter = single('added_after');
  if (addedAfter !== null && (!TAXII_TIMESTAMP.test(addedAfter) || Number.isNaN(Date.parse(addedAfter))))
    faults.push({ parameter: 'added_after', reason: 'is not a timestamp such as 2026-03-01T09:00:00.000Z' });
  const limitText = single('limit');
  let limit = TAXII_DEFAULT_LIMIT;
  if (limitText !== null) {
    if (!/^[1-9]\d{0,8}$/.test(limitText))
      faults.push({ parameter: 'limit', reason: 'is not a positive integer' });
    // A larger limit is served as the largest page the server gives (TAXII lets a server send fewer).
    else limit = Math.min(Number(limitText), TAXII_MAX_LIMIT);
  }
  const next = single('next');
  if (next !== null && !NEXT_TOKEN.test(next))
    faults.push({ parameter: 'next', reason: 'is not a token this server issued' });
  const ids = list('match[id]', (value) => STIX_ID.test(value), 'is not a list of STIX identifiers');
  const types = list('match[type]', (value) => STIX_TYPE.test(value), 'is not a list of STIX object types');
  const versions = list(
    'match[version]',
    (value) => ['last', 'first', 'all'].includes(value) || TAXII_TIMESTAMP.test(value),
    'is not a list of last, first, all or timestamps',
  ) ?? ['last'];
  const specVersions = list(
    'match[spec_version]',
    (value) => /^\d\.\d$/.test(value),
    'is not a list of STIX versions such as 2.1',
  );
  if (faults.length > 0) return { faults };
  return { query: { addedAfter, limit, next, match: { ids, types, versions, specVersions } }, faults };
}

/**
 * Whether an object passes the match filters. Every object the hub serves has one version (a
 * record version is its own report), so `last`, `first` and `all` keep it and a timestamp keeps
 * the object whose version it is.
 */
export function matchesTaxiiFilter(object: StixObject, match: TaxiiQuery['match']): boolean {
  if (match.ids && !match.ids.includes(object.id)) return false;
  if (match.types && !match.types.includes(object.type)) return false;
  const specVersion = typeof object.spec_version === 'string' ? object.spec_version : '2.1';
  if (match.specVersions && !match.specVersions.includes(specVersion)) return false;
  const version = [object.modified, object.created].find((value) => typeof value === 'string') ?? '';
  return match.versions.some(
    (wanted) => ['last', 'first', 'all'].includes(wanted) || Date.parse(wanted) === Date.parse(version),
  );
}
