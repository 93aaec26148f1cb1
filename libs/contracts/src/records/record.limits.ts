/** Every string and list of the standard is bounded: input arrives from outside and may be hostile. */
export const LIMITS = {
  reference: 100,
  title: 200,
  longText: 10_000,
  shortText: 200,
  description: 1_000,
  controlListRef: 100,
  unit: 20,
  identifierValue: 100,
  concealment: 2_000,
  commodities: 100,
  entities: 100,
  identifiers: 100,
  transit: 20,
  relatedAlerts: 100,
  recipients: 200,
  excludeOrganizations: 200,
  /** A few countries; a record meant for a narrow audience is what 'restricted' is for. */
  excludeCountries: 50,
  subscriptionName: 100,
  /** Countries listed in one subscription filter; wider interests are what regions are for. */
  filterCountries: 50,
  /** HS prefixes in one filter: a control list (e.g. the EU dual-use correlation table) runs to ~200 lines. */
  filterHsPrefixes: 200,
  /** Operations named in one subscription filter. */
  filterOperations: 20,
  webhookUrl: 2048,
  /** Guards against float overflow and absurd figures, far above any real consignment. */
  maxQuantity: 1e12,
  maxAmount: 1e15,
} as const;

/** Bounds of the hub-set and envelope strings. */
export const PUBLISHED_ATTRIBUTE_LIMITS = {
  id: 200,
  uri: 500,
} as const;
