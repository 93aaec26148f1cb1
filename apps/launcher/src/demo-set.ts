export interface DemoOrganization {
  code: string;
  name: string;
  kind: 'member' | 'rilo' | 'partner' | 'secretariat';
  country?: string;
  region?: string;
}

/** Organizations a new user gets, so every channel and handling rule can be tried at once. */
export const DEMO_ORGANIZATIONS: readonly DemoOrganization[] = [
  { code: 'fr-customs', name: 'French Customs (DGDDI)', kind: 'member', country: 'FR' },
  { code: 'ng-customs', name: 'Nigeria Customs Service', kind: 'member', country: 'NG' },
  { code: 'kr-customs', name: 'Korea Customs Service', kind: 'member', country: 'KR' },
  { code: 'br-customs', name: 'Receita Federal do Brasil', kind: 'member', country: 'BR' },
  { code: 'ke-customs', name: 'Kenya Revenue Authority, Customs', kind: 'member', country: 'KE' },
  { code: 'rilo-ap', name: 'RILO Asia/Pacific (Seoul)', kind: 'rilo', region: 'asia-pacific' },
  { code: 'rilo-we', name: 'RILO Western Europe', kind: 'rilo', region: 'europe' },
  { code: 'iaea', name: 'International Atomic Energy Agency', kind: 'partner' },
  { code: 'opcw', name: 'Organisation for the Prohibition of Chemical Weapons', kind: 'partner' },
  { code: 'wco-secretariat', name: 'WCO Secretariat', kind: 'secretariat' },
];

export interface DemoCredential {
  code: string;
  kind: string;
  apiKey: string;
}

async function post(url: string, adminToken: string, body?: unknown): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

/**
 * Registers the demo organizations through the gateway's admin API. Keys are
 * stored hashed and cannot be shown again, so an organization that already
 * exists gets a fresh key for this session.
 */
export async function seedDemoSet(gatewayUrl: string, adminToken: string): Promise<DemoCredential[]> {
  const credentials: DemoCredential[] = [];
  for (const organization of DEMO_ORGANIZATIONS) {
    let response = await post(`${gatewayUrl}/v1/admin/organizations`, adminToken, organization);
    let apiKey: string;
    if (response.status === 409) {
      response = await post(`${gatewayUrl}/v1/admin/organizations/${organization.code}/api-keys`, adminToken);
      if (!response.ok)
        throw new Error(
          `issuing a key for ${organization.code}: ${response.status} ${await response.text()}`,
        );
      apiKey = ((await response.json()) as { apiKey: string }).apiKey;
    } else if (response.ok) {
      apiKey = ((await response.json()) as { apiKey: { apiKey: string } }).apiKey.apiKey;
    } else {
      throw new Error(`registering ${organization.code}: ${response.status} ${await response.text()}`);
    }
    credentials.push({ code: organization.code, kind: organization.kind, apiKey });
  }
  return credentials;
}
