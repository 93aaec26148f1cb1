// Interoperability with threat-intelligence platforms: STIX 2.1 renderings of the hub's records
// and the TAXII 2.1 resources that serve them. Pure and framework-free: import it as '@hub/interop'.

export { COSMO_HUB_STIX_NAMESPACE, stixId, stixTimestamp, uuidV5 } from './stix/stix-identifiers';
export {
  HANDLING_TLP,
  TLP_2_EXTENSION_DEFINITION_ID,
  tlpMarking,
  type TlpLevel,
  type TlpMarkingDefinition,
} from './stix/tlp-markings';
export {
  CUSTOMS_EXTENSION_DEFINITION,
  CUSTOMS_EXTENSION_ID,
  CUSTOMS_EXTENSION_SCHEMA,
  HUB_IDENTITY,
  HUB_STIX_EPOCH,
} from './stix/customs-extension.definition';
export {
  STIX_MEDIA_TYPE,
  countryLocation,
  organizationIdentity,
  stixBundleOf,
  type StixBundle,
  type StixObject,
} from './stix/stix-bundle.mapper';
export {
  acceptsTaxii,
  parseAccept,
  recordRendering,
  type AcceptedMediaType,
  type RecordRendering,
} from './stix/media-type.negotiation';
export {
  TAXII_DEFAULT_LIMIT,
  TAXII_MAX_LIMIT,
  TAXII_MEDIA_TYPE,
  TAXII_TIMESTAMP,
  manifestRecord,
  readTaxiiPage,
  taxiiApiRoot,
  taxiiCollection,
  taxiiDiscovery,
  taxiiError,
  type TaxiiApiRoot,
  type TaxiiCollection,
  type TaxiiDiscovery,
  type TaxiiEntry,
  type TaxiiError,
  type TaxiiItem,
  type TaxiiManifestRecord,
  type TaxiiPage,
  type TaxiiPosition,
} from './taxii/taxii.resources';
export {
  matchesTaxiiFilter,
  parseTaxiiQuery,
  type TaxiiQuery,
  type TaxiiQueryFault,
} from './taxii/taxii-query';
