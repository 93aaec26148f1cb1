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
  filterSpec,
  organizationSpec,
  type OrganizationSpec,
  recordBody,
  recordSpec,
  recordState,
  revisionPatch,
} from './support/intelligence-scenarios';
import {
  referenceDeliveries,
  referenceRegionalFeeds,
  referenceRegionalRecalls,
  type ReferenceFilter,
  type ReferenceOrganization,
  type ReferenceVersion,
} from './support/reference-rules';
import { WebhookReceiver } from './support/webhook-receiver';

/**
 * Random organizations, subscriptions and records go through the whole hub (gateway, relay,
 * two routers, notifier, real broker, database and HTTP receiver); every delivery on every
 * channel is compared with an independent reference statement of the filter and handling rules.
 */
const RUNS = Number(process.env.PROPERTY_RUNS ?? 6);

interface SubscriptionSpec {
  owner: number;
  filter: ReferenceFilter;
  webhook: boolean;
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
      records: fc.array(recordSpec(organizations.length, organizations), { minLength: 40, maxLength: 60 }),
      // Operations (issue 15): who takes part in the run's operation, which records are filed under
      // it (those of participants), which of those are handled 'operation', which filters name it.
      operation: fc.record({
        participants: fc.array(fc.boolean(), {
          minLength: organizations.length,
          maxLength: organizations.length,
        }),
        records: fc.array(fc.constantFrom('none', 'tagged', 'handled'), { minLength: 60, maxLength: 60 }),
        filters: fc.array(fc.boolean(), { minLength: 40, maxLength: 40 }),
      }),
    }),
  );

interface Totals {
  subscriptions: number;
  events: number;
  pullDeliveries: number;
  webhookDeliveries: number;
  regionalMessages: number;
  /** Recalls owed to subscriptions and regional streams by narrowing revisions. */
  recalls: number;
  /** Records that exclude organizations or countries (tip-off protection). */
  recordsWithExclusions: number;
  /** Records filed under the run's operation, and those handled 'operation'. */
  operationRecords: number;
  operationHandled: number;
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
    recalls: 0,
    recordsWithExclusions: 0,
    operationRecords: 0,
    operationHandled: 0,
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

  it('delivers every event to exactly the subscriptions that should get it, and to no other', async () => {
    await fc.assert(
      fc.asyncProperty(
        scenario,
        async ({
          organizations: specs,
          subscriptions: subscriptionSpecs,
          records: recordSpecs,
          operation,
        }) => {
          const organizations: TestOrganization[] = [];
          for (const spec of specs) organizations.push(await registerOrganization(gateway.url, spec));
          // The run's operation, created by the Secretariat (index 3); the French member always takes part.
          const operationCode = `P-OP-${Math.random().toString(36).slice(2, 10)}`;
          const participating = new Set(
            organizations
              .map((_, index) => index)
              .filter((index) => index === 0 || operation.participants[index]),
          );
          const now = Date.now();
          const opened = await api(gateway.url, 'POST', '/v1/operations', {
            key: organizations[3].apiKey,
            body: {
              code: operationCode,
              name: 'Property operation',
              description: 'Generated',
              period: {
                start: new Date(now - 60_000).toISOString(),
                end: new Date(now + 86_400_000).toISOString(),
              },
              phases: [],
              participants: [...participating].map((index) => ({
                organization: organizations[index].code,
                role: index % 3 === 0 ? 'observer' : index % 3 === 1 ? 'participant' : 'coordinator',
              })),
            },
          });
          expect(opened.status).toBe(201);
          const reference = organizations.map((organization, index): ReferenceOrganization => ({
            ...specs[index],
            code: organization.code,
            ...(participating.has(index) ? { operations: [operationCode] } : {}),
          }));

          // Subscriptions first: they apply to every event published after them.
          const subscriptions: { id: string; spec: SubscriptionSpec; path: string; secret?: string }[] = [];
          for (const [index, generated] of subscriptionSpecs.entries()) {
            const spec: SubscriptionSpec = operation.filters[index]
              ? { ...generated, filter: { ...generated.filter, operations: [operationCode] } }
              : generated;
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
          const codes = organizations.map((organization) => organization.code);
          const versions: ReferenceVersion[] = [];
          for (const [index, generated] of recordSpecs.entries()) {
            // Only a participant files under the operation; 'handled' also restricts it to the operation.
            const filing = participating.has(generated.originator) ? operation.records[index] : 'none';
            const spec = filing === 'handled' ? { ...generated, handling: 'operation' as const } : generated;
            const tag = filing === 'none' ? {} : { operation: operationCode };
            const originator = organizations[spec.originator];
            const kind = spec.type === 'alert' ? 'alerts' : 'seizures';
            const created = await api<{ id: string }>(gateway.url, 'POST', `/v1/${kind}`, {
              key: originator.apiKey,
              body: { ...recordBody(spec, codes, `P-${Math.random().toString(36).slice(2, 12)}`), ...tag },
            });
            expect(created.status).toBe(201);
            if (filing !== 'none') totals.operationRecords += 1;
            if (filing === 'handled') totals.operationHandled += 1;
            const first = { ...recordState(spec, reference[spec.originator], codes), ...tag };
            if (first.excludeOrganizations || first.excludeCountries) totals.recordsWithExclusions += 1;
            versions.push({ recordId: created.body.id, version: 1, state: first });
            if (spec.then.kind === 'revise') {
              const revised = await api(gateway.url, 'PATCH', `/v1/${kind}/${created.body.id}`, {
                key: originator.apiKey,
                body: revisionPatch(spec, codes, spec.then.goods, spec.then.handling),
              });
              expect(revised.status).toBe(200);
              versions.push({
                recordId: created.body.id,
                version: 2,
                state: {
                  ...recordState(
                    spec,
                    reference[spec.originator],
                    codes,
                    spec.then.goods,
                    spec.then.handling,
                  ),
                  ...tag,
                },
              });
            } else if (spec.then.kind === 'withdraw') {
              const withdrawn = await api(gateway.url, 'POST', `/v1/${kind}/${created.body.id}/withdraw`, {
                key: originator.apiKey,
              });
              expect(withdrawn.status).toBe(200);
              versions.push({ recordId: created.body.id, version: 2, state: first });
            }
          }

          // The reference: matched by filter and readable, or following an earlier version received and
          // still readable; what a narrowing revision took back is recalled instead (see referenceDeliveries).
          const expected = referenceDeliveries(
            subscriptions.map((subscription) => ({
              id: subscription.id,
              owner: reference[subscription.spec.owner],
              filter: subscription.spec.filter,
            })),
            versions,
          );
          const recordIds = new Set(versions.map((version) => version.recordId));
          const expectedRegional = referenceRegionalFeeds(WCO_REGIONS, versions);
          const expectedRegionalRecalls = referenceRegionalRecalls(WCO_REGIONS, versions);
          // How the reference names what arrived: `<record id>@<version>`, a recall marked.
          const keyOf = (event: { type: string; data: { id: string; version: number } }): string =>
            `${event.data.id}@${event.data.version}${event.type.endsWith('.recalled') ? ':recalled' : ''}`;

          // Pull feeds.
          const pulled = async (subscription: (typeof subscriptions)[number]): Promise<string[]> => {
            const seen: string[] = [];
            let after: string | null = null;
            for (;;) {
              const page: {
                body: {
                  events: { type: string; data: { id: string; version: number } }[];
                  nextCursor: string | null;
                };
              } = await api(
                gateway.url,
                'GET',
                `/v1/subscriptions/${subscription.id}/events?limit=500${after ? `&after=${after}` : ''}`,
                { key: organizations[subscription.spec.owner].apiKey },
              );
              seen.push(...page.body.events.map(keyOf));
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
              const event = JSON.parse(request.body) as {
                type: string;
                data: { id: string; version: number };
              };
              const seen = keyOf(event);
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
                const { required, optional } = expected.get(subscription.id)!;
                // A webhook may have sent a version before the revision that narrowed it came; a pull
                // feed serves no such version any more.
                const allowed = subscription.spec.webhook ? optional : new Set<string>();
                expect({
                  subscription: subscription.id,
                  got: got.filter((key) => !allowed.has(key)).sort(),
                }).toEqual({
                  subscription: subscription.id,
                  got: [...required].sort(),
                });
                // Versions of one record arrive in order.
                const order = got.filter((entry, index) => got.indexOf(entry) === index);
                for (const recordId of recordIds) {
                  const mine = order
                    .filter((entry) => entry.startsWith(`${recordId}@`))
                    .map((entry) => parseInt(entry.split('@')[1], 10));
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
                const want = new Set([
                  ...expectedRegional.get(region)!,
                  ...expectedRegionalRecalls.get(region)!,
                ]);
                const messages = await readTopicToEnd(regionalTopic(region));
                const got = new Set(
                  messages
                    .filter((message) => recordIds.has(message.key ?? ''))
                    .map(
                      (message) =>
                        `${message.key}@${message.headers.ce_recordversion}${message.headers.ce_type?.endsWith('.recalled') ? ':recalled' : ''}`,
                    ),
                );
                expect({ region, got: [...got].sort() }).toEqual({ region, got: [...want].sort() });
                regional += got.size;
              }
            },
            30_000,
            1000,
          );
          totals.regionalMessages += regional;
          for (const recalls of expectedRegionalRecalls.values()) totals.recalls += recalls.size;

          totals.subscriptions += subscriptions.length;
          totals.events += versions.length;
          for (const subscription of subscriptions) {
            const { required } = expected.get(subscription.id)!;
            const count = required.size;
            totals.recalls += [...required].filter((key) => key.endsWith(':recalled')).length;
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
    // ...and revisions that narrow the audience, so that recalls are owed.
    expect(totals.recalls).toBeGreaterThan(0);
    expect(totals.recordsWithExclusions).toBeGreaterThan(0);
    // ...and operations: records filed under one, some readable only by its participants.
    expect(totals.operationRecords).toBeGreaterThan(0);
    expect(totals.operationHandled).toBeGreaterThan(0);
  });
});
