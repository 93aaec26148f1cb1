import * as path from 'node:path';
import type { OrganizationKind, SubscriptionFilter } from '@hub/contracts';
import { writeSecretFile } from './state-folder';

export interface DemoOrganization {
  code: string;
  name: string;
  kind: OrganizationKind;
  country?: string;
  region?: string;
}

/**
 * Why `npm run hub` refuses to start, if it must: it is the local development hub (demo
 * organizations with printed keys, http webhooks and private targets allowed for its receiver),
 * never a production deployment (M-5), which runs the services as docker/compose.yaml does.
 */
export function demoRefusal(env: NodeJS.ProcessEnv): string | undefined {
  if (env.NODE_ENV === 'production')
    return 'npm run hub is the local development hub (demo organizations, keys written to .hub/, http webhooks allowed): it does not run with NODE_ENV=production; deploy the services as docker/compose.yaml does';
  return undefined;
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

/** Tailored feeds for the partner agencies (webhooks) and a member (pull), created at start-up. */
export const DEMO_SUBSCRIPTIONS: readonly {
  organization: string;
  name: string;
  filter: SubscriptionFilter;
  webhook: boolean;
}[] = [
  {
    organization: 'iaea',
    name: 'Nuclear and radioactive material',
    filter: { categories: ['nuclear'] },
    webhook: true,
  },
  {
    organization: 'opcw',
    name: 'Chemical weapons precursors',
    filter: { categories: ['chemical'] },
    webhook: true,
  },
  {
    organization: 'fr-customs',
    name: 'Dual-use goods bound for Europe',
    filter: { regions: ['europe'], categories: ['dual-use', 'nuclear'] },
    webhook: false,
  },
];

export interface DemoCredential {
  code: string;
  kind: string;
  apiKey: string;
}

async function post(url: string, token: string, body?: unknown): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

export interface DemoSubscription {
  organization: string;
  id: string;
  name: string;
  webhook: boolean;
}

/**
 * Creates the demo subscriptions unless the organization already has one of that name.
 * `onSecret` receives each webhook secret (shown once) so the demo receiver can verify signatures;
 * for an existing webhook subscription the secret is rotated for the same reason.
 */
export async function seedDemoSubscriptions(
  gatewayUrl: string,
  credentials: readonly DemoCredential[],
  webhookUrl: (organization: string) => string,
  onSecret: (organization: string, secret: string) => void,
): Promise<DemoSubscription[]> {
  const created: DemoSubscription[] = [];
  for (const demo of DEMO_SUBSCRIPTIONS) {
    const key = credentials.find((credential) => credential.code === demo.organization)?.apiKey;
    if (!key) continue;
    const existing = (await (
      await fetch(`${gatewayUrl}/v1/subscriptions`, { headers: { authorization: `Bearer ${key}` } })
    ).json()) as { id: string; name: string }[];
    const found = existing.find((subscription) => subscription.name === demo.name);
    if (found) {
      if (demo.webhook) {
        const rotated = await post(`${gatewayUrl}/v1/subscriptions/${found.id}/rotate-secret`, key);
        onSecret(demo.organization, ((await rotated.json()) as { secret: string }).secret);
      }
      created.push({ organization: demo.organization, id: found.id, name: demo.name, webhook: demo.webhook });
      continue;
    }
    const response = await post(`${gatewayUrl}/v1/subscriptions`, key, {
      name: demo.name,
      filter: demo.filter,
      delivery: demo.webhook ? { type: 'webhook', url: webhookUrl(demo.organization) } : { type: 'pull' },
    });
    if (response.status !== 201)
      throw new Error(`subscribing ${demo.organization}: ${response.status} ${await response.text()}`);
    const body = (await response.json()) as { subscription: { id: string }; secret?: string };
    if (body.secret) onSecret(demo.organization, body.secret);
    created.push({
      organization: demo.organization,
      id: body.subscription.id,
      name: demo.name,
      webhook: demo.webhook,
    });
  }
  return created;
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
      apiKey = ((await response.json()) as { secret: string }).secret;
    } else if (response.ok) {
      apiKey = ((await response.json()) as { apiKey: { secret: string } }).apiKey.secret;
    } else {
      throw new Error(`registering ${organization.code}: ${response.status} ${await response.text()}`);
    }
    credentials.push({ code: organization.code, kind: organization.kind, apiKey });
  }
  return credentials;
}

/** The demo RILO that gets a stream credential at start-up. */
export const DEMO_STREAM_ORGANIZATION = 'rilo-we';

export interface DemoStreamCredential {
  organization: string;
  username: string;
  topics: string[];
  groupPrefix: string;
  /** The Java client's properties, password included (0600, git-ignored). */
  propertiesFile: string;
}

/**
 * Issues a stream credential for the demo RILO, revoking the ones earlier runs issued (so each run
 * leaves one live principal), and writes the Java client's properties as the README gives them.
 */
export async function seedDemoStreamCredential(
  gatewayUrl: string,
  adminToken: string,
  stateDir: string,
  caFile: string,
): Promise<DemoStreamCredential> {
  const base = `${gatewayUrl}/v1/admin/organizations/${DEMO_STREAM_ORGANIZATION}/stream-credentials`;
  const headers = { authorization: `Bearer ${adminToken}` };
  const listed = await fetch(base, { headers });
  if (!listed.ok) throw new Error(`listing stream credentials: ${listed.status} ${await listed.text()}`);
  for (const old of (await listed.json()) as { username: string; revokedAt: string | null }[]) {
    if (old.revokedAt) continue;
    const revoked = await fetch(`${base}/${old.username}`, { method: 'DELETE', headers });
    if (!revoked.ok) throw new Error(`revoking ${old.username}: ${revoked.status} ${await revoked.text()}`);
  }
  const response = await post(base, adminToken);
  if (!response.ok)
    throw new Error(`issuing a stream credential: ${response.status} ${await response.text()}`);
  const issued = (await response.json()) as {
    username: string;
    password: string;
    bootstrapServers: string[];
    topics: string[];
    groupPrefix: string;
  };
  const propertiesFile = path.join(stateDir, `${DEMO_STREAM_ORGANIZATION}.properties`);
  const properties = [
    `# ${DEMO_STREAM_ORGANIZATION} reads ${issued.topics.join(', ')}; see README "Connecting a RILO node"`,
    `bootstrap.servers=${issued.bootstrapServers.join(',')}`,
    'security.protocol=SASL_SSL',
    'sasl.mechanism=SCRAM-SHA-512',
    `sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="${issued.username}" password="${issued.password}";`,
    'ssl.truststore.type=PEM',
    `ssl.truststore.location=${caFile}`,
    `group.id=${issued.groupPrefix}demo`,
    'enable.auto.commit=false',
    'auto.offset.reset=earliest',
  ];
  // The same for librdkafka (kcat -F): it needs librdkafka 2.6.1 or later for SCRAM against Kafka 4.x.
  const kcatFile = path.join(stateDir, `${DEMO_STREAM_ORGANIZATION}.kcat.conf`);
  const kcat = [
    `bootstrap.servers=${issued.bootstrapServers.join(',')}`,
    'security.protocol=SASL_SSL',
    'sasl.mechanisms=SCRAM-SHA-512',
    `sasl.username=${issued.username}`,
    `sasl.password=${issued.password}`,
    `ssl.ca.location=${caFile}`,
  ];
  for (const [file, lines] of [
    [propertiesFile, properties],
    [kcatFile, kcat],
  ] as const)
    writeSecretFile(file, `${lines.join('\n')}\n`);
  return {
    organization: DEMO_STREAM_ORGANIZATION,
    username: issued.username,
    topics: issued.topics,
    groupPrefix: issued.groupPrefix,
    propertiesFile,
  };
}
