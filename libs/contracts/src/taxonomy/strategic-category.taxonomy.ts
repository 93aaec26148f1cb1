/** Broad control regimes a commodity falls under; subscriptions filter on these beside HS prefixes. */
export const STRATEGIC_CATEGORIES = [
  'nuclear',
  'chemical',
  'biological',
  'missile',
  'conventional-arms',
  'dual-use',
  'other',
] as const;

export type StrategicCategory = (typeof STRATEGIC_CATEGORIES)[number];
