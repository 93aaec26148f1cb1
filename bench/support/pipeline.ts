import { regionalTopic } from '@hub/contracts';
import { type BenchEnvironment, freshHubDatabase } from './bench-environment';
import { benchKafka } from './bench-kafka';
import {
  PullFeedReader,
  RegionalTopicReader,
  WebhookCollector,
  type ChannelObserver,
} from './channel-observers';
import { type BenchOrganization, bearer, createSubscription, registerOrganization } from './hub-api';
import { HubDeployment } from './hub-deployment';
import { registerSubmitter } from './ingest';
import { type PacedOutcome, type PacedRequest } from './load';
import { alertBody } from './records';

/**
 * The whole hub as separate processes (gateway, relay, router, notifier) with one subscriber on
 * each channel for every alert the benchmarks submit (all of them concern Europe): the European
 * regional stream, a member's pull feed, and a member's signed webhook.
 */
export interface Pipeline {
  hub: HubDeployment;
  gatewayUrl: string;
  submitter: BenchOrganization;
  webhook: WebhookCollector;
  observers: ChannelObserver[];
  stop(): Promise<void>;
}

export async function startPipeline(
  environment: BenchEnvironment,
  serviceEnv: Record<string, string> = {},
  nodeFlags: string[] = [],
): Promise<Pipeline> {
  const databaseUrl = await freshHubDatabase(environment);
  const hub = new HubDeployment(environment, databaseUrl);
  const env = { env: serviceEnv, nodeFlags };
  await hub.start([
    { service: 'gateway', ...env },
    { service: 'relay', ...env },
    { service: 'router', ...env },
    { service: 'notifier', ...env },
  ]);
  const gatewayUrl = hub.find('gateway').url;
  const submitter = await registerSubmitter(environment, gatewayUrl);
  const reader = await registerOrganization(gatewayUrl, environment.adminToken, {
    code: 'de-customs',
    kind: 'member',
    country: 'DE',
  });
  const partner = await registerOrganization(gatewayUrl, environment.adminToken, {
    code: 'it-customs',
    kind: 'member',
    country: 'IT',
  });
  const pull = await createSubscription(gatewayUrl, reader, {
    name: 'Strategic goods bound for Europe',
    filter: { regions: ['europe'] },
    delivery: { type: 'pull' },
  });
  const webhook = new WebhookCollector();
  const hookUrl = await webhook.start();
  const hook = await createSubscription(gatewayUrl, partner, {
    name: 'Strategic goods bound for Europe (webhook)',
    filter: { regions: ['europe'] },
    delivery: { type: 'webhook', url: hookUrl },
  });
  webhook.trust(hook.secret!);
  const feed = new PullFeedReader(gatewayUrl, reader, pull.id);
  feed.start();
  const regional = new RegionalTopicReader(benchKafka(environment, 'rilo'), regionalTopic('europe'));
  await regional.start();
  const observers: ChannelObserver[] = [regional, feed, webhook];
  return {
    hub,
    gatewayUrl,
    submitter,
    webhook,
    observers,
    async stop() {
      await Promise.all(observers.map((observer) => observer.stop()));
      await hub.stop();
    },
  };
}

export function alertRequests(runTag: string, count: number): PacedRequest[] {
  return Array.from({ length: count }, (_, seq) => ({
    key: String(seq),
    body: JSON.stringify(alertBody(runTag, seq)),
  }));
}

/** The record ids of the submissions the gateway accepted (201); throws on any other answer. */
export function acceptedIds(outcomes: readonly PacedOutcome[]): Map<string, number> {
  const accepted = new Map<string, number>();
  for (const outcome of outcomes) {
    if (outcome.status !== 201)
      throw new Error(`submission answered ${outcome.status}: ${outcome.responseBody.slice(0, 200)}`);
    accepted.set((JSON.parse(outcome.responseBody) as { id: string }).id, outcome.answeredAt);
  }
  return accepted;
}

export const submitHeaders = (pipeline: Pipeline): Record<string, string> => bearer(pipeline.submitter);
export const alertsUrl = (pipeline: Pipeline): string => `${pipeline.gatewayUrl}/v1/alerts`;
