import fc from 'fast-check';
import { regionalTopic, WCO_REGIONS } from '@hub/contracts';
import { verifyWebhook } from '@hub/webhooks';
import {
  api,
  expectEventually,
  readTopicToEnd,
  registerOrganization,
  type RunningService,
  startGateway,
  startNotifier,
  startRelay,
  startRouter,
  type TestOrganization,
} from './support/hub-harness';
import {
  referenceFilterAccepts,
  referenceMayRead,
  referenceRegionalStreams,
  type ReferenceFilter,
  type ReferenceOrganization,
  type ReferenceRecordState,
} from './support/reference-rules';
import { WebhookReceiver } from './support/webhook-receiver';

/**
 * Random organizations, subscriptions and records go through the whole hub (gateway, relay,
 * two routers, notifier, real broker, database and HTTP receiver); every delivery on every
 * channel is compared with an independent reference statement of the filter and handling rules.
 */
const RUNS = Number(process.env.PROPERTY_RUNS ?? 6);

const COUNTRIES = [
  'FR',
  'DE',
  'TR',
  'KZ',
  'NG',
  'SN',
  'KE',
  'ZA',
  'KR',
  'CN',
  'IR',
  'IN',
  'BR',
  'US',
  'EG',
  'AE',
];
const GOODS = [
  { hsCode: '284410', category: 'nuclear' },
  { hsCode: '840120', category: 'nuclear' },
  { hsCode: '293100', category: 'chemical' },
  { hsCode: '281210', category: 'chemical' },
  { hsCode: '848180', category: 'dual-use' },
  { hsCode: '880610', category: 'missile' },
  { hsCode: '930690', category: 'conventional-arms' },
  { hsCode: '930120', category: 'conventional-arms' },
  { hsCode: '300215', category: 'biological' },
  { hsCode: '722830', category: 'dual-use' },
] as const;
const PREFIXES = [
  ...new Set(GOODS.flatMap((good) => [good.hsCode.slice(0, 2), good.hsCode.slice(0, 4), good.hsCode])),
];
const CATEGORIES = ['nuclear', 'chemical', 'biological', 'missile', 'conventional-arms', 'dual-use', 'other'];
const SEVERITIES = ['low', 'medium', 'high', 'critical'] as const;
const HANDLINGS = ['community', 'members', 'region', 'restricted'] as const;

type OrganizationSpec = Omit<ReferenceOrganization, 'code'>;

const organizationSpec: fc.Arbitrary<OrganizationSpec> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.constantFrom(...COUNTRIES).map((country) => ({ kind: 'member' as const, country })),
  },
  {
    weight: 2,
    arbitrary: fc.constantFrom(...WCO_REGIONS).map((region) => ({ kind: 'rilo' as const, region })),
  },
  { weight: 2, arbitrary: fc.constant({ kind: 'partner' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'secretariat' as const }) },
);

const subset = <T>(values: readonly T[], max: number): fc.Arbitrary<T[]> =>
  fc.uniqueArray(fc.constantFrom(...values), { minLength: 1, maxLength: max });

const filterSpec: fc.Arbitrary<ReferenceFilter> = fc.record(
  {
    types: subset(['alert', 'seizure'], 1),
    regions: subset(WCO_REGIONS, 2),
    countries: subset(COUNTRIES, 3),
    hsPrefixes: subset(PREFIXES, 3),
    categories: subset(CATEGORIES, 2),
    minSeverity: fc.constantFrom(...SEVERITIES),
  },
  { requiredKeys: [] },
);

interface SubscriptionSpec {
  owner: number;
  filter: ReferenceFilter;
  webhook: boolean;
}

interface RecordSpec {
  type: 'alert' | 'seizure';
  originator: number;
  goods: number[];
  route: [string, string[], string];
  partyCountries: string[];
  seizureCountry: string;
  handling: (typeof HANDLINGS)[number];
  recipients: number[];
  severity: (typeof SEVERITIES)[number];
  /** What happens after publication: nothing, a revision (new goods and handling), or a withdrawal. */
  then:
    | { kind: 'none' }
    | { kind: 'revise'; goods: number[]; handling: (typeof HANDLINGS)[number] }
    | { kind: 'withdraw' };
}

function recordSpec(organizations: number): fc.Arbitrary<RecordSpec> {
  const goods = fc.uniqueArray(fc.nat(GOODS.length - 1), { minLength: 1, maxLength: 3 });
  return fc.record({
    type: fc.constantFrom('alert' as const, 'seizure' as const),
    originator: fc.nat(organizations - 1),
    goods,
    route: fc.tuple(
      fc.constantFrom(...COUNTRIES),
      fc.uniqueArray(fc.constantFrom(...COUNTRIES), { maxLength: 2 }),
      fc.constantFrom(...COUNTRIES),
    ),
    partyCountries: fc.uniqueArray(fc.constantFrom(...COUNTRIES), { maxLength: 2 }),
    seizureCountry: fc.constantFrom(...COUNTRIES),
    handling: fc.constantFrom(...HANDLINGS),
    recipients: fc.uniqueArray(fc.nat(organizations - 1), { minLength: 1, maxLength: 3 }),
    severity: fc.constantFrom(...SEVERITIES),
    then: fc.oneof(
      { weight: 3, arbitrary: fc.constant({ kind: 'none' as const }) },
      {
        weight: 1,
        arbitrary: fc.record({
          kind: fc.constant('revise' as const),
          goods,
          handling: fc.constantFrom(...HANDLINGS),
        }),
      },
      { weight: 1, arbitrary: fc.constant({ kind: 'withdraw' as const }) },
    ),
  });
}

const scenario = fc
  .array(organizationSpec, { minLength: 7, maxLength: 10 })
  .map((specs): OrganizationSpec[] => [
    // One of each kind always takes part, so every rule is exercised in every run.
    { kind: 'member', country: 'FR' },
    { kind: 'rilo', region: 'europe' },
    { kind: 'partner' },
    { kind: 'secretariat' },
    ...specs,
  ])
  .chain((organizations) =>
    fc.record({
      organizations: fc.constant(organizations),
      subscriptions: fc.array(
        fc.record({ owner: fc.nat(organizations.length - 1), filter: filterSpec, webhook: fc.boolean() }),
        { minLength: 25, maxLength: 40 },
      ),
      records: fc.array(recordSpec(organizations.length), { minLength: 40, maxLength: 60 }),
    }),
  );

interface Totals {
  subscriptions: number;
  events: number;
  pullDeliveries: number;
  webhookDeliveries: number;
  regionalMessages: number;
}

describe('tailored delivery matches an independent reference on every channel (property-based)', () => {
  let gateway: RunningService;
  let relay: RunningService;
  const routers: RunningService[] = [];
  let notifier: RunningService;
  let receiver: WebhookReceiver;
  const totals: Totals = {
    subscriptions: 0,
    events: 0,
    pullDeliveries: 0,
    webhookDeliveries: 0,
    regionalMessages: 0,
  };

  beforeAll(async () => {
    gateway = await startGateway();
    relay = await startRelay();
    routers.push(await startRouter(), await startRouter());
    notifier = await startNotifier();
    receiver = await WebhookReceiver.start(null);
  });

  afterAll(async () => {
    await receiver?.close();
    await notifier?.close();
    for (const router of routers) await router.close();
    await relay?.close();
    await gateway?.close();
    process.stdout.write(`[property] ${RUNS} runs: ${JSON.stringify(totals)}\n`);
  });

  function body(
    spec: RecordSpec,
    organizations: TestOrganization[],
    goods = spec.goods,
    handling = spec.handling,
  ): Record<string, unknown> {
    const common = {
      reference: `P-${Math.random().toString(36).slice(2, 12)}`,
      commodities: goods.map((index) => ({
        hsCode: GOODS[index].hsCode,
        description: `Goods ${GOODS[index].hsCode}`,
        category: GOODS[index].category,
        ...(spec.type === 'seizure' ? { quantity: { value: 10, unit: 'kg' } } : {}),
      })),
      route: { origin: spec.route[0], transit: spec.route[1], destination: spec.route[2] },
      conveyance: 'sea',
      entities: spec.partyCountries.map((country, index) => ({
        name: `Party ${index}`,
        role: 'consignee',
        country,
      })),
      identifiers: [],
      handling,
      ...(handling === 'restricted'
        ? { recipients: spec.recipients.map((index) => organizations[index].code) }
        : {}),
    };
    return spec.type === 'alert'
      ? {
          ...common,
          title: 'Property alert',
          summary: 'Generated',
          severity: spec.severity,
          kind: 'suspicious-consignment',
          language: 'en',
        }
      : {
          ...common,
          seizedAt: '2026-11-01T10:00:00Z',
          country: spec.seizureCountry,
          customsOffice: 'Generated office',
          locationType: 'seaport',
          detectionMethod: 'risk-profiling',
        };
  }

  function state(
    spec: RecordSpec,
    originator: ReferenceOrganization,
    organizations: TestOrganization[],
    goods: number[],
    handling: RecordSpec['handling'],
  ): ReferenceRecordState {
    return {
      type: spec.type,
      originator,
      handling,
      recipients: handling === 'restricted' ? spec.recipients.map((index) => organizations[index].code) : [],
      severity: spec.type === 'alert' ? spec.severity : undefined,
      hsCodes: goods.map((index) => GOODS[index].hsCode),
      categories: goods.map((index) => GOODS[index].category),
      namedCountries: [
        spec.route[0],
        ...spec.route[1],
        spec.route[2],
        ...spec.partyCountries,
        ...(spec.type === 'seizure' ? [spec.seizureCountry] : []),
      ],
    };
  }

  it('delivers every event to exactly the subscriptions that should get it, and to no other', async () => {
    await fc.assert(
      fc.asyncProperty(
        scenario,
        async ({ organizations: specs, subscriptions: subscriptionSpecs, records: recordSpecs }) => {
          const organizations: TestOrganization[] = [];
          for (const spec of specs) organizations.push(await registerOrganization(gateway.url, spec));
          const reference = organizations.map((organization, index): ReferenceOrganization => ({
            ...specs[index],
            code: organization.code,
          }));

          // Subscriptions first: they apply to every event published after them.
          const subscriptions: { id: string; spec: SubscriptionSpec; path: string; secret?: string }[] = [];
          for (const [index, spec] of subscriptionSpecs.entries()) {
            const path = `${new URL(receiver.url).pathname}/${Math.random().toString(36).slice(2)}-${index}`;
            const response = await api<{ subscription: { id: string }; secret?: string }>(
              gateway.url,
              'POST',
              '/v1/subscriptions',
              {
                key: organizations[spec.owner].apiKey,
                body: {
                  name: `property ${index}`,
                  filter: spec.filter,
                  delivery: spec.webhook
                    ? { type: 'webhook', url: `${new URL(receiver.url).origin}${path}` }
                    : { type: 'pull' },
                },
              },
            );
            expect(response.status).toBe(201);
            subscriptions.push({
              id: response.body.subscription.id,
              spec,
              path,
              secret: response.body.secret,
            });
          }

          // Publish, revise and withdraw; remember each version's state for the reference.
          const versions: { recordId: string; version: number; state: ReferenceRecordState }[] = [];
          for (const spec of recordSpecs) {
            const originator = organizations[spec.originator];
            const kind = spec.type === 'alert' ? 'alerts' : 'seizures';
            const created = await api<{ id: string }>(gateway.url, 'POST', `/v1/${kind}`, {
              key: originator.apiKey,
              body: body(spec, organizations),
            });
            expect(created.status).toBe(201);
            const first = state(spec, reference[spec.originator], organizations, spec.goods, spec.handling);
            versions.push({ recordId: created.body.id, version: 1, state: first });
            if (spec.then.kind === 'revise') {
              const next = body(spec, organizations, spec.then.goods, spec.then.handling);
              const patch = {
                commodities: next.commodities,
                handling: next.handling,
                recipients: next.recipients ?? null,
              };
              const revised = await api(gateway.url, 'PATCH', `/v1/${kind}/${created.body.id}`, {
                key: originator.apiKey,
                body: patch,
              });
              expect(revised.status).toBe(200);
              versions.push({
                recordId: created.body.id,
                version: 2,
                state: state(
                  spec,
                  reference[spec.originator],
                  organizations,
                  spec.then.goods,
                  spec.then.handling,
                ),
              });
            } else if (spec.then.kind === 'withdraw') {
              const withdrawn = await api(gateway.url, 'POST', `/v1/${kind}/${created.body.id}/withdraw`, {
                key: originator.apiKey,
              });
              expect(withdrawn.status).toBe(200);
              versions.push({ recordId: created.body.id, version: 2, state: first });
            }
          }

          // The reference: matched by filter and readable, or following an earlier version received and still readable.
          const expected = new Map<string, Set<string>>(
            subscriptions.map((subscription) => [subscription.id, new Set<string>()]),
          );
          const received = new Map<string, Set<string>>(
            subscriptions.map((subscription) => [subscription.id, new Set<string>()]),
          );
          for (const version of versions) {
            for (const subscription of subscriptions) {
              const owner = reference[subscription.spec.owner];
              const readable = referenceMayRead(owner, version.state);
              const matched = referenceFilterAccepts(subscription.spec.filter, version.state);
              const follows = version.version > 1 && received.get(subscription.id)!.has(version.recordId);
              if (readable && (matched || follows)) {
                expected.get(subscription.id)!.add(`${version.recordId}@${version.version}`);
                received.get(subscription.id)!.add(version.recordId);
              }
            }
          }
          const recordIds = new Set(versions.map((version) => version.recordId));
          const expectedRegional = new Map<string, Set<string>>(
            WCO_REGIONS.map((region) => [
              region,
              new Set(
                versions
                  .filter((version) => referenceRegionalStreams(version.state).includes(region))
                  .map((version) => `${version.recordId}@${version.version}`),
              ),
            ]),
          );

          // Pull feeds.
          const pulled = async (subscription: (typeof subscriptions)[number]): Promise<string[]> => {
            const seen: string[] = [];
            let after: string | null = null;
            for (;;) {
              const page: {
                body: { events: { data: { id: string; version: number } }[]; nextCursor: string | null };
              } = await api(
                gateway.url,
                'GET',
                `/v1/subscriptions/${subscription.id}/events?limit=500${after ? `&after=${after}` : ''}`,
                { key: organizations[subscription.spec.owner].apiKey },
              );
              seen.push(...page.body.events.map((event) => `${event.data.id}@${event.data.version}`));
              if (page.body.events.length === 0) return seen;
              after = page.body.nextCursor;
            }
          };
          // Webhooks: distinct deliveries by webhook-id, every signature verified with the subscription's secret.
          const delivered = (subscription: (typeof subscriptions)[number]): string[] => {
            const byWebhookId = new Map<string, string>();
            for (const request of receiver.requests.filter(
              (candidate) => candidate.path === subscription.path,
            )) {
              expect(() =>
                verifyWebhook(subscription.secret!, request.headers as Record<string, string>, request.body),
              ).not.toThrow();
              const event = JSON.parse(request.body) as { data: { id: string; version: number } };
              const seen = `${event.data.id}@${event.data.version}`;
              const webhookId = String(request.headers['webhook-id']);
              // A repeat must carry the same webhook-id as the first delivery of that event.
              expect(byWebhookId.get(webhookId) ?? seen).toBe(seen);
              byWebhookId.set(webhookId, seen);
            }
            return [...byWebhookId.values()];
          };

          await expectEventually(
            async () => {
              for (const subscription of subscriptions) {
                const got = subscription.spec.webhook ? delivered(subscription) : await pulled(subscription);
                expect({ subscription: subscription.id, got: [...got].sort() }).toEqual({
                  subscription: subscription.id,
                  got: [...expected.get(subscription.id)!].sort(),
                });
                // Versions of one record arrive in order.
                const order = got.filter((entry, index) => got.indexOf(entry) === index);
                for (const recordId of recordIds) {
                  const mine = order
                    .filter((entry) => entry.startsWith(`${recordId}@`))
                    .map((entry) => Number(entry.split('@')[1]));
                  expect(mine).toEqual([...mine].sort((a, b) => a - b));
                }
              }
            },
            90_000,
            500,
          );

          // Regional streams: read each to its current end; the last batch may still be on its way.
          let regional = 0;
          await expectEventually(
            async () => {
              regional = 0;
              for (const region of WCO_REGIONS) {
                const want = expectedRegional.get(region)!;
                const messages = await readTopicToEnd(regionalTopic(region));
                const got = new Set(
                  messages
                    .filter((message) => recordIds.has(message.key ?? ''))
                    .map((message) => `${message.key}@${message.headers.ce_recordversion}`),
                );
                expect({ region, got: [...got].sort() }).toEqual({ region, got: [...want].sort() });
                regional += got.size;
              }
            },
            30_000,
            1000,
          );
          totals.regionalMessages += regional;

          totals.subscriptions += subscriptions.length;
          totals.events += versions.length;
          for (const subscription of subscriptions) {
            const count = expected.get(subscription.id)!.size;
            if (subscription.spec.webhook) totals.webhookDeliveries += count;
            else totals.pullDeliveries += count;
          }
        },
      ),
      { numRuns: RUNS, endOnFailure: true },
    );
    // The generators must exercise every channel, or the property proves little.
    expect(totals.pullDeliveries).toBeGreaterThan(0);
    expect(totals.webhookDeliveries).toBeGreaterThan(0);
    expect(totals.regionalMessages).toBeGreaterThan(0);
  });
});
