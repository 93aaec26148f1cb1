import type { HandlingCode } from '@hub/contracts';

/** The OASIS TLP 2.0 extension definition and its five marking definitions, with their fixed ids. */
export const TLP_2_EXTENSION_DEFINITION_ID = 'extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d';

export type TlpLevel = 'clear' | 'green' | 'amber' | 'amber+strict' | 'red';

const TLP_IDS: Record<TlpLevel, string> = {
  clear: 'marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487',
  green: 'marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb',
  amber: 'marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421',
  'amber+strict': 'marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003',
  red: 'marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1',
};

/**
 * The TLP 2.0 label of each handling rule. Never lower than the rule: a label lets recipients
 * pass information on, so the hub picks the level whose sharing stays inside the rule's audience.
 * - community: every organization of the hub, not the public → GREEN (not CLEAR);
 * - members: WCO members, RILOs and the secretariat, never partner agencies; GREEN would let a
 *   recipient pass it on to its community, partners included → AMBER;
 * - region: members of the concerned regions → AMBER;
 * - restricted: only the named recipient organizations → AMBER+STRICT (each recipient keeps it
 *   inside its own organization; RED would forbid even that, which the rule does not ask);
 * - operation: only the operation's participants → AMBER+STRICT, as restricted.
 */
export const HANDLING_TLP: Record<HandlingCode, TlpLevel> = {
  community: 'green',
  members: 'amber',
  region: 'amber',
  restricted: 'amber+strict',
  operation: 'amber+strict',
};

export interface TlpMarkingDefinition {
  type: 'marking-definition';
  spec_version: '2.1';
  id: string;
  created: string;
  name: string;
  extensions: Record<string, { extension_type: 'property-extension'; tlp_2_0: TlpLevel }>;
}

/** The marking definition of a TLP 2.0 level, exactly as OASIS publishes it. */
export function tlpMarking(level: TlpLevel): TlpMarkingDefinition {
  return {
    type: 'marking-definition',
    spec_version: '2.1',
    id: TLP_IDS[level],
    created: '2022-10-01T00:00:00.000Z',
    name: `TLP:${level.toUpperCase()}`,
    extensions: {
      [TLP_2_EXTENSION_DEFINITION_ID]: { extension_type: 'property-extension', tlp_2_0: level },
    },
  };
}
