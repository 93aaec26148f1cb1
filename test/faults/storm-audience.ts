import { createHash } from 'node:crypto';
import * as path from 'node:path';
import fc from 'fast-check';
import { regionalTopic, TOPICS, WCO_REGIONS } from '@hub/contracts';
import { ADMIN_TOKEN, api, registerOrganization, testKafka, type TopicReader } from '../support/hub-harness';
import { filterSpec, type OrganizationSpec } from '../support/intelligence-scenarios';
import type { ReferenceFilter } from '../support/reference-rules';
import { type IssuedStreamCredential, riloKafka } from '../support/rilo-clients';
import type { WebhookPlan, WebhookReceiver } from '../support/webhook-receiver';
import { type FaultHub, withSuiteClient } from './fault-hub';
import type { RecordStream, StreamOrganization } from './record-stream';
import type { AuditReport, AuditSubscription } from './storm-audit';
import type { SuspensionReport } from './suspension-window';

/**
 * The audience of a fault suite, shared by its specs: who takes part, who subscribes to what
 * through which kind of endpoint, and how to tell that the hub has nothing left in flight.
 */
const SEED = Number(process.env.FAULTS_SEED ?? 20261120);

/** Member administrations across every WCO region, RILOs, partner agencies and the secretariat. */
export const ORGANIZATIONS: (OrganizationSpec & { label: string })[] = [
  ...['FR', 'DE', 'KZ', 'NG', 'SN', 'KE', 'CN', 'IN', 'BR', 'US', 'EG', 'AE'].map((country) => ({
    label: `customs-${country.toLowerCase()}`,
    kind: 'member' as const,
    country,
  })),
  ...(['europe', 'west-central-africa', 'asia-pacific', 'mena'] as const).map((region) => ({
    label: `rilo-${region}`,
    kind: 'rilo' as const,
    region,
  })),
  { label: 'iaea', kind: 'partner' },
  { label: 'interpol', kind: 'partner' },
  { label: 'wco-secretariat', kind: 'secretariat' },
];

export type ReceiverKind = 'healthy' | 'flaky' | 'hanging' | 'slow';

/** Per event (webhook-id), so that every delivery fails at most twice and then gets through. */
const bucket = (webhookId: string): number => createHash('sha1').update(webhookId).digest()[0] % 100;
export const PLANS: Record<ReceiverKind, WebhookPlan> = {
  healthy: () => null,
  flaky: (id, earlier) => {
    const b = bucket(id);
    if (earlier === 0 && b < 30) return { kind: 'answer', status: 500 };
    if (earlier === 1 && b < 10) return { kind: 'answer', status: 503 };
    return null;
  },
  // Past WEBHOOK_TIMEOUT_MS: the notifier must give up on the attempt and try again.
  hanging: (id, earlier) => (earlier === 0 && bucket(id) < 15 ? { kind: 'hang' } : null),
  slow: (id, earlier) =>
    earlier === 0 && bucket(id) < 10
      ? { kind: 'answer', status: 502, delayMs: 300 }
      : { kind: 'answer', status: 204, delayMs: 100 + (bucket(id) % 5) * 100 },
};

/** Who subscribes to what: every kind of organization, pull and webhook, with and without filters. */
export function subscriptionPlan(): {
  owner: string;
  filter: ReferenceFilter;
  delivery: 'pull' | ReceiverKind;
}[] {
  const everything: { owner: string; delivery: 'pull' | ReceiverKind }[] = [
    { owner: 'customs-fr', delivery: 'pull' },
    { owner: 'customs-cn', delivery: 'pull' },
    { owner: 'customs-ng', delivery: 'healthy' },
    { owner: 'customs-ke', delivery: 'flaky' },
    { owner: 'rilo-europe', delivery: 'pull' },
    { owner: 'rilo-asia-pacific', delivery: 'flaky' },
    { owner: 'iaea', delivery: 'hanging' },
    { owner: 'interpol', delivery: 'pull' },
    { owner: 'wco-secretariat', delivery: 'healthy' },
  ];
  const filters = fc.sample(filterSpec, { numRuns: 18, seed: SEED });
  const deliveries: ('pull' | ReceiverKind)[] = ['pull', 'healthy', 'slow', 'pull', 'flaky', 'hanging'];
  return [
    ...everything.map((entry) => ({ ...entry, filter: {} })),
    ...filters.map((filter, index) => ({
      owner: ORGANIZATIONS[(index * 5) % ORGANIZATIONS.length].label,
      filter,
      delivery: deliveries[index % deliveries.length],
    })),
  ];
}

/**
 * The regional streams' observer, as a stream consumer: a credential issued through the admin
 * route to the secretariat (the one reader of all six regional topics), used with kafkajs over the
 * external SASL_SSL listener and the hub's CA, in groups under the credential's prefix.
 */
async function secretariatStreamReader(gateway: string, code: string): Promise<TopicReader> {
  const issued = await api<IssuedStreamCredential>(
    gateway,
    'POST',
    `/v1/admin/organizations/${code}/stream-credentials`,
    { key: ADMIN_TOKEN },
  );
  expect(issued.status).toBe(201);
  expect(issued.body).toMatchObject({
    securityProtocol: 'SASL_SSL',
    topics: WCO_REGIONS.map(regionalTopic),
    groupPrefix: `${code}.`,
  });
  return { kafka: riloKafka(issued.body), groupPrefix: issued.body.groupPrefix };
}

/**
 * Registers the organizations (named after the run) and their subscriptions, webhook ones on the
 * receivers, and issues the regional streams' reader.
 */
export async function enrolAudience(
  gateway: string,
  runTag: string,
  receivers: ReadonlyMap<ReceiverKind, WebhookReceiver>,
): Promise<{
  organizations: StreamOrganization[];
  subscriptions: AuditSubscription[];
  regionalReader: TopicReader;
}> {
  const organizations: StreamOrganization[] = [];
  for (const spec of ORGANIZATIONS) {
    const { label, ...kind } = spec;
    const registered = await registerOrganization(gateway, { ...kind, code: `${label}-${runTag}` });
    organizations.push({
      code: registered.code,
      apiKey: registered.apiKey,
      reference: { ...kind, code: registered.code },
    });
  }
  const byLabel = new Map(ORGANIZATIONS.map((spec, index) => [spec.label, organizations[index]]));
  const regionalReader = await secretariatStreamReader(gateway, byLabel.get('wco-secretariat')!.code);

  const subscriptions: AuditSubscription[] = [];
  for (const [index, plan] of subscriptionPlan().entries()) {
    const owner = byLabel.get(plan.owner)!;
    const name = `${plan.owner} #${index} (${plan.delivery}${Object.keys(plan.filter).length ? '' : ', everything'})`;
    const receiver = plan.delivery === 'pull' ? undefined : receivers.get(plan.delivery)!;
    const url = receiver ? `${receiver.url}/${index}` : undefined;
    const created = await api<{ subscription: { id: string }; secret?: string }>(
      gateway,
      'POST',
      '/v1/subscriptions',
      {
        key: owner.apiKey,
        body: { name, filter: plan.filter, delivery: url ? { type: 'webhook', url } : { type: 'pull' } },
      },
    );
    expect(created.status).toBe(201);
    if (receiver && url) receiver.trust(new URL(url).pathname, created.body.secret!);
    subscriptions.push({
      id: created.body.subscription.id,
      name,
      owner,
      filter: plan.filter,
      delivery: receiver ? 'webhook' : 'pull',
      receiver,
      path: url ? new URL(url).pathname : undefined,
    });
  }
  return { organizations, subscriptions, regionalReader };
}

/**
 * Waits, by watching state rather than time, until nothing is left in flight: no unpublished
 * outbox row, the router group's committed offsets at the end of every canonical partition,
 * and no pending webhook delivery. Each condition follows from the one before it.
 */
export async function waitQuiescent(
  databaseUrl: string,
  groupId: string,
  timeoutMs: number,
  progress: (line: string) => void,
): Promise<{ reached: boolean; seconds: number; state: string }> {
  const since = Date.now();
  const admin = testKafka().admin();
  await admin.connect();
  let lastSaid = Date.now();
  try {
    for (;;) {
      const [outbox, deliveries] = await withSuiteClient(databaseUrl, async (client) => [
        (
          await client.query<{ n: number }>(
            'SELECT count(*)::int AS n FROM outbox_events WHERE published_at IS NULL',
          )
        ).rows[0].n,
        (
          await client.query<{ n: number }>(
            "SELECT count(*)::int AS n FROM webhook_deliveries WHERE status = 'pending'",
          )
        ).rows[0].n,
      ]);
      let lag = 0;
      for (const topic of [TOPICS.alerts, TOPICS.seizures]) {
        const ends = await admin.fetchTopicOffsets(topic);
        const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
        for (const end of ends) {
          const at =
            committed.partitions.find((partition) => partition.partition === end.partition)?.offset ?? '-1';
          lag += Number(end.high) - Math.max(0, Number(at));
        }
      }
      const state = `${outbox} unpublished outbox rows, router lag ${lag}, ${deliveries} pending deliveries`;
      if (outbox === 0 && lag === 0 && deliveries === 0)
        return { reached: true, seconds: (Date.now() - since) / 1000, state };
      if (Date.now() - since > timeoutMs)
        return { reached: false, seconds: (Date.now() - since) / 1000, state };
      if (Date.now() - lastSaid > 20_000) {
        progress(`  still settling: ${state}`);
        lastSaid = Date.now();
      }
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  } finally {
    await admin.disconnect();
  }
}

export interface Fault {
  at: number;
  what: string;
}

export function renderReport(
  report: AuditReport,
  stream: RecordStream,
  faults: Fault[],
  streamStarted: number,
  hub: FaultHub,
  anomalies: string[],
  unhealthy: string[],
  /** The suspension window's report, for a storm that suspended an organization. */
  suspension: SuspensionReport | null,
): string {
  const { counts } = stream;
  const acknowledged =
    counts.acknowledged.submissions + counts.acknowledged.revisions + counts.acknowledged.withdrawals;
  const at = (time: number): string => `+${((time - streamStarted) / 1000).toFixed(0).padStart(3)} s`;
  const lines = [
    '',
    '================ fault-injection suite: counts ================',
    `acknowledged  ${acknowledged} requests got a 2xx: ${counts.acknowledged.submissions} submissions, ` +
      `${counts.acknowledged.revisions} revisions, ${counts.acknowledged.withdrawals} withdrawals ` +
      `(${counts.requests} requests sent)`,
    `unanswered    ${counts.unanswered} sends got no answer (${counts.answersDropped} cut on purpose after sending), ` +
      `${counts.serverErrors} a 5xx, ${counts.refused} were refused (gateway down)`,
    `resent        ${report.resent} submissions resent with the same reference → ${report.resentOneRecord} ended as ` +
      `exactly one record with the id acknowledged (${counts.resentFoundStored} found the first send stored: 200)`,
    `uncertain     ${counts.uncertainChanges} revisions/withdrawals without an answer: ${report.uncertainCommitted} ` +
      `stored (and checked like acknowledged ones), ${report.uncertainNotCommitted} not`,
    '',
    'channel     expected  delivered  lost  leaked  duplicated(allowed)  duplicated(forbidden)  out-of-order',
    ...Object.entries(report.channels).map(
      ([channel, c]) =>
        `${channel.padEnd(10)} ${String(c.expected).padStart(9)} ${String(c.delivered).padStart(10)} ` +
        `${String(c.lost).padStart(5)} ${String(c.leaked).padStart(7)} ${String(c.duplicated).padStart(20)} ` +
        `${String(c.forbiddenDuplicates).padStart(22)} ${String(c.outOfOrder).padStart(13)}`,
    ),
    '(database: acknowledged versions stored; canonical: every stored version on its topic; duplicates on topics ' +
      'and webhooks repeat the same event id / webhook-id; audit: one trail entry per stored version, delivered ' +
      'webhook and regional publication, and every pull page read)',
    `dead-lettered ${report.deadLettered} (endpoint failures are intermittent, so a dead letter counts as lost)`,
    ...(suspension
      ? [
          `suspended     while suspended: ${suspension.matchedWhileSuspended} feed entries matched to it ` +
            `(${suspension.routedToOthersWhileSuspended} to the others), ${suspension.receivedWhileSuspended} webhooks ` +
            `received (${suspension.inFlightAtSuspension} on the wire at the suspension); its deliveries ` +
            `${JSON.stringify(suspension.deliveries)}; ${suspension.cancelledThenSent} cancelled ones sent later; after ` +
            `reinstatement ${suspension.matchedAfterReinstatement} matched, ${suspension.receivedAfterReinstatement} received`,
        ]
      : []),
    `deliveries    ${JSON.stringify(report.deliveryStates)}`,
    '',
    `LOST ${report.lost}   LEAKED ${report.leaked}`,
    '',
    'faults injected (time since the stream started):',
    ...faults.map((entry) => `  ${at(entry.at)}  ${entry.what}`),
    ...(hub.unexpectedExits.length
      ? [
          'unexpected exits:',
          ...hub.unexpectedExits.map((exit) => `  ${at(exit.at.getTime())}  ${exit.service} ${exit.how}`),
        ]
      : []),
    ...(report.examples.length ? ['examples:', ...report.examples.map((example) => `  ${example}`)] : []),
    ...(anomalies.length ? ['anomalies:', ...anomalies.slice(0, 20).map((anomaly) => `  ${anomaly}`)] : []),
    ...(unhealthy.length ? ['unhealthy at the end:', ...unhealthy.map((entry) => `  ${entry}`)] : []),
    `service logs: ${path.relative(process.cwd(), hub.logFile('gateway').replace(/gateway\.log$/, ''))}`,
    '===============================================================',
    '',
  ];
  return lines.join('\n');
}
