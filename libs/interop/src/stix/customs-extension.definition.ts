import { stixId } from './stix-identifiers';

/** Fixed timestamp of the objects the hub publishes once (its identity, the extension definition). */
export const HUB_STIX_EPOCH = '2026-01-01T00:00:00.000Z';

/** The hub as a STIX identity: creator of the shared objects it renders. */
export const HUB_IDENTITY = {
  type: 'identity',
  spec_version: '2.1',
  id: stixId('identity', 'cosmo-hub'),
  created: HUB_STIX_EPOCH,
  modified: HUB_STIX_EPOCH,
  name: 'Cosmo Hub',
  identity_class: 'system',
  description:
    'Intelligence data-sharing hub for customs administrations (WCO members, RILOs, partner agencies).',
} as const;

const NAMED_CODE = { type: 'string', minLength: 1 } as const;

/**
 * JSON Schema (2020-12) of the customs properties the hub adds to a report: what STIX has no
 * property for (HS codes, commodities, conveyance, consignment identifiers, detection method,
 * quantities). Version 1.0.0: a change that breaks readers is a new extension definition.
 */
export const CUSTOMS_EXTENSION_SCHEMA = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  title: 'Cosmo Hub customs record extension 1.0.0',
  type: 'object',
  required: [
    'extension_type',
    'record_type',
    'record_id',
    'record_version',
    'reference',
    'handling',
    'hs_codes',
    'strategic_categories',
    'commodities',
  ],
  properties: {
    extension_type: { const: 'property-extension' },
    record_type: { enum: ['alert', 'seizure'] },
    record_id: { type: 'string', format: 'uuid' },
    record_version: { type: 'integer', minimum: 1 },
    reference: { ...NAMED_CODE, description: "The originator's own reference" },
    status: { enum: ['active', 'withdrawn'] },
    handling: { enum: ['community', 'members', 'region', 'restricted', 'operation'] },
    recipients: { type: 'array', items: NAMED_CODE, description: 'Organization codes (restricted records)' },
    exclude_organizations: {
      type: 'array',
      items: NAMED_CODE,
      description:
        'Organization codes the originator keeps out, whatever the handling: do not share with them',
    },
    exclude_countries: {
      type: 'array',
      items: { type: 'string', pattern: '^[A-Z]{2}$' },
      description: 'Countries whose organizations the originator keeps out: do not share with them',
    },
    wco_regions: { type: 'array', items: NAMED_CODE },
    countries: { type: 'array', items: { type: 'string', pattern: '^[A-Z]{2}$' } },
    hs_codes: { type: 'array', minItems: 1, items: { type: 'string', pattern: '^[0-9]{6,10}$' } },
    strategic_categories: { type: 'array', minItems: 1, items: NAMED_CODE },
    commodities: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        required: ['hs_code', 'description', 'category'],
        properties: {
          hs_code: { type: 'string', pattern: '^[0-9]{6,10}$' },
          description: { type: 'string' },
          category: NAMED_CODE,
          control_list_ref: { type: 'string' },
          quantity: {
            type: 'object',
            required: ['value', 'unit'],
            properties: { value: { type: 'number' }, unit: { type: 'string' } },
          },
          estimated_value: {
            type: 'object',
            required: ['amount', 'currency'],
            properties: { amount: { type: 'number' }, currency: { type: 'string', pattern: '^[A-Z]{3}$' } },
          },
        },
      },
    },
    conveyance: { enum: ['sea', 'air', 'road', 'rail', 'postal', 'express'] },
    route: {
      type: 'object',
      required: ['origin', 'destination'],
      properties: {
        origin: { type: 'string' },
        transit: { type: 'array', items: { type: 'string' } },
        destination: { type: 'string' },
        origin_ref: { type: 'string' },
        transit_refs: { type: 'array', items: { type: 'string' } },
        destination_ref: { type: 'string' },
      },
    },
    identifiers: {
      type: 'array',
      items: {
        type: 'object',
        required: ['kind', 'value'],
        properties: { kind: NAMED_CODE, value: { type: 'string' } },
      },
    },
    parties: {
      type: 'array',
      items: {
        type: 'object',
        required: ['name', 'role'],
        properties: { name: { type: 'string' }, role: NAMED_CODE, country: { type: 'string' } },
      },
    },
    alert_severity: { enum: ['low', 'medium', 'high', 'critical'] },
    alert_kind: NAMED_CODE,
    valid_until: { type: 'string', format: 'date-time' },
    seized_at: { type: 'string', format: 'date-time' },
    seizure_country: { type: 'string', pattern: '^[A-Z]{2}$' },
    seizure_country_ref: { type: 'string' },
    customs_office: { type: 'string' },
    location_type: NAMED_CODE,
    detection_method: NAMED_CODE,
    related_alerts: { type: 'array', items: { type: 'string' } },
    withdrawn_at: { type: 'string', format: 'date-time' },
  },
} as const;

/** The id under which the customs properties sit in `extensions` (stable: derived, never random). */
export const CUSTOMS_EXTENSION_ID = stixId('extension-definition', 'cosmo-hub-customs-record-1.0.0');

/** The STIX extension-definition the hub publishes for its customs properties. */
export const CUSTOMS_EXTENSION_DEFINITION = {
  type: 'extension-definition',
  spec_version: '2.1',
  id: CUSTOMS_EXTENSION_ID,
  created_by_ref: HUB_IDENTITY.id,
  created: HUB_STIX_EPOCH,
  modified: HUB_STIX_EPOCH,
  name: 'Cosmo Hub customs record',
  description:
    'Customs properties of a Cosmo Hub alert or seizure notice: HS codes, commodities and quantities, ' +
    'conveyance, route, consignment identifiers, parties, detection method, handling rule.',
  // The JSON Schema itself (STIX allows the definition as text): the definition needs no server to be read.
  schema: JSON.stringify(CUSTOMS_EXTENSION_SCHEMA),
  version: '1.0.0',
  extension_types: ['property-extension'],
} as const;
