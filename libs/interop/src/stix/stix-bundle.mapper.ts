import type { PublishedRecord } from '@hub/contracts';
import {
  CUSTOMS_EXTENSION_DEFINITION,
  CUSTOMS_EXTENSION_ID,
  HUB_IDENTITY,
  HUB_STIX_EPOCH,
} from './customs-extension.definition';
import { stixId, stixTimestamp } from './stix-identifiers';
import { HANDLING_TLP, tlpMarking } from './tlp-markings';

export type StixObject = Record<string, unknown> & { type: string; id: string };

export interface StixBundle {
  type: 'bundle';
  id: string;
  objects: StixObject[];
}

/** The media type of a STIX 2.1 document (a bundle). */
export const STIX_MEDIA_TYPE = 'application/stix+json;version=2.1';

/** An organization of the hub as a STIX identity: one object per organization code, in every bundle. */
export function organizationIdentity(code: string): StixObject {
  return {
    type: 'identity',
    spec_version: '2.1',
    id: stixId('identity', `organization:${code}`),
    created_by_ref: HUB_IDENTITY.id,
    created: HUB_STIX_EPOCH,
    modified: HUB_STIX_EPOCH,
    name: code,
    identity_class: 'organization',
    external_references: [{ source_name: 'cosmo-hub', external_id: code }],
  };
}

/** A country (ISO 3166-1 alpha-2) as a STIX location: one object per country. */
export function countryLocation(country: string): StixObject {
  return {
    type: 'location',
    spec_version: '2.1',
    id: stixId('location', `country:${country}`),
    created_by_ref: HUB_IDENTITY.id,
    created: HUB_STIX_EPOCH,
    modified: HUB_STIX_EPOCH,
    name: country,
    country,
  };
}

/** STIX properties may not hold empty lists: an absent or empty list is left out. */
function nonEmpty<T>(key: string, values: readonly T[] | undefined): Record<string, T[]> {
  return values && values.length > 0 ? { [key]: [...values] } : {};
}

function present<T>(key: string, value: T | undefined): Record<string, T> {
  return value === undefined ? {} : { [key]: value };
}

function routeCountries(record: PublishedRecord): string[] {
  const countries = [
    record.route?.origin,
    ...(record.route?.transit ?? []),
    record.route?.destination,
    record.type === 'seizure' ? record.country : undefined,
  ].filter((country): country is string => typeof country === 'string');
  return [...new Set(countries)].sort();
}

function customsProperties(record: PublishedRecord): Record<string, unknown> {
  const locationRef = (country: string): string => stixId('location', `country:${country}`);
  const common = {
    extension_type: 'property-extension',
    record_type: record.type,
    record_id: record.id,
    record_version: record.version,
    reference: record.reference,
    status: record.status,
    handling: record.handling,
    ...nonEmpty('recipients', record.recipients),
    ...nonEmpty('exclude_organizations', record.excludeOrganizations),
    ...nonEmpty('exclude_countries', record.excludeCountries),
    ...nonEmpty('wco_regions', record.regions),
    ...nonEmpty('countries', record.countries),
    hs_codes: [...new Set(record.commodities.map((commodity) => commodity.hsCode))].sort(),
    strategic_categories: [...new Set(record.commodities.map((commodity) => commodity.category))].sort(),
    commodities: record.commodities.map((commodity) => ({
      hs_code: commodity.hsCode,
      description: commodity.description,
      category: commodity.category,
      ...present('control_list_ref', commodity.controlListRef),
      ...('quantity' in commodity ? { quantity: { ...commodity.quantity } } : {}),
      ...('estimatedValue' in commodity && commodity.estimatedValue
        ? { estimated_value: { ...commodity.estimatedValue } }
        : {}),
    })),
    ...present('conveyance', record.conveyance),
    ...(record.route
      ? {
          route: {
            origin: record.route.origin,
            ...nonEmpty('transit', record.route.transit),
            destination: record.route.destination,
            origin_ref: locationRef(record.route.origin),
            ...nonEmpty('transit_refs', record.route.transit?.map(locationRef)),
            destination_ref: locationRef(record.route.destination),
          },
        }
      : {}),
    ...nonEmpty(
      'identifiers',
      record.identifiers?.map((identifier) => ({ kind: identifier.kind, value: identifier.value })),
    ),
    ...nonEmpty(
      'parties',
      record.entities?.map((party) => ({
        name: party.name,
        role: party.role,
        ...present('country', party.country),
      })),
    ),
    ...present('withdrawn_at', record.withdrawnAt ? stixTimestamp(record.withdrawnAt) : undefined),
  };
  if (record.type === 'alert') {
    return {
      ...common,
      alert_severity: record.severity,
      alert_kind: record.kind,
      ...present('valid_until', record.validUntil ? stixTimestamp(record.validUntil) : undefined),
    };
  }
  return {
    ...common,
    seized_at: stixTimestamp(record.seizedAt),
    seizure_country: record.country,
    seizure_country_ref: locationRef(record.country),
    customs_office: record.customsOffice,
    location_type: record.locationType,
    detection_method: record.detectionMethod,
    ...nonEmpty('related_alerts', record.relatedAlerts),
  };
}

function reportName(record: PublishedRecord): string {
  if (record.type === 'alert') return record.title;
  return `Seizure ${record.reference}: ${record.commodities.map((commodity) => commodity.description).join('; ')} at ${record.customsOffice} (${record.country})`;
}

function reportDescription(record: PublishedRecord): string | undefined {
  return record.type === 'alert' ? record.summary : record.narrative;
}

/**
 * A record version as a STIX 2.1 bundle: a `report` for the record (created by the originator's
 * `identity`, referring to the `location`s of its route), a `note` with a seizure's narrative,
 * the customs properties under the hub's `extension-definition`, and the TLP 2.0 marking of its
 * handling rule. Pure and deterministic: ids are UUIDv5 of the record id and version, so every
 * rendering of a version is the same document and each version is its own report (a TAXII
 * collection then never holds two versions of one object); the customs extension names the
 * record and version, and a withdrawal is a revoked report.
 */
export function stixBundleOf(record: PublishedRecord): StixBundle {
  const marking = tlpMarking(HANDLING_TLP[record.handling]);
  const originator = organizationIdentity(record.originator);
  const locations = routeCountries(record).map(countryLocation);
  const created = stixTimestamp(record.createdAt);
  const modified = stixTimestamp(record.updatedAt);
  const revoked = record.status === 'withdrawn' ? { revoked: true } : {};
  const versionName = `${record.id}:${record.version}`;
  const reportId = stixId('report', versionName);
  const recordObject = {
    spec_version: '2.1',
    created_by_ref: originator.id,
    created,
    modified,
    ...revoked,
    object_marking_refs: [marking.id],
  };
  const report: StixObject = {
    type: 'report',
    id: reportId,
    ...recordObject,
    name: reportName(record),
    ...present('description', reportDescription(record)),
    report_types: ['threat-report'],
    published: created,
    object_refs: [originator.id, ...locations.map((location) => location.id)],
    labels: [
      record.type === 'alert' ? 'customs-alert' : 'customs-seizure',
      ...new Set(record.commodities.map((commodity) => commodity.category)),
    ],
    ...(record.type === 'alert' ? { lang: record.language } : {}),
    external_references: [
      {
        source_name: 'cosmo-hub',
        external_id: record.id,
        description: `${record.type} version ${record.version}`,
      },
      { source_name: record.originator, external_id: record.reference },
    ],
    extensions: { [CUSTOMS_EXTENSION_ID]: customsProperties(record) },
  };
  const notes: StixObject[] =
    record.type === 'seizure' && record.concealment
      ? [
          {
            type: 'note',
            id: stixId('note', `${versionName}:concealment`),
            ...recordObject,
            abstract: 'Concealment',
            content: record.concealment,
            object_refs: [reportId],
          },
        ]
      : [];
  return {
    type: 'bundle',
    id: stixId('bundle', versionName),
    objects: [
      marking,
      HUB_IDENTITY,
      CUSTOMS_EXTENSION_DEFINITION,
      originator,
      ...locations,
      report,
      ...notes,
    ] as StixObject[],
  };
}
