import { type RecordType, sampleRecord } from './fixtures';
import {
  api,
  type ApiResponse,
  registerOrganization,
  type RunningService,
  startGateway,
  startNotifier,
  startRelay,
  startRouter,
  type TestOrganization,
} from './hub-harness';
import { WebhookReceiver } from './webhook-receiver';

/** The background services a test file may start beside the gateway, in the order they start. */
export type HubService = 'relay' | 'router' | 'notifier';

export interface HubOptions {
  services?: readonly HubService[];
  gateway?: { bodyLimitBytes?: number; env?: Record<string, string | undefined> };
  /** Environment of each background service (e.g. the notifier's retry schedule). */
  env?: Partial<Record<HubService, Record<string, string>>>;
  /** A webhook receiver, with this signing secret to verify by (null: records without verifying). */
  receiver?: { secret: string | null };
}

export type OrganizationProfile = { kind: TestOrganization['kind']; country?: string; region?: string };

export const memberOf = (country: string): OrganizationProfile => ({ kind: 'member', country });
export const riloFor = (region: string): OrganizationProfile => ({ kind: 'rilo', region });
export const partnerAgency = (): OrganizationProfile => ({ kind: 'partner' });
export const theSecretariat = (): OrganizationProfile => ({ kind: 'secretariat' });

/** A submitted record as the gateway answers it (201). */
export interface SubmittedRecord {
  id: string;
  version: number;
  regions: string[];
  [field: string]: unknown;
}

export interface SubscriptionRequest {
  filter?: Record<string, unknown>;
  name?: string;
  delivery?: { type: 'pull' } | { type: 'webhook'; url: string };
  replayFrom?: string;
}

export interface CreatedSubscription {
  id: string;
  /** The webhook signing secret (webhook subscriptions only). */
  secret?: string;
}

/**
 * One test file's hub: the gateway and the background services it asked for, a webhook receiver
 * if asked, and builders for what nearly every file sets up (organizations, records,
 * subscriptions). `close` stops what runs then (receiver first, gateway last); a test that
 * restarts a service puts the new one in its place (`hub.router = await startRouter()`).
 */
export interface TestHub {
  /** The gateway's base URL. */
  url: string;
  gateway: RunningService;
  relay?: RunningService;
  router?: RunningService;
  notifier?: RunningService;
  /** The receiver asked for in the options (throws when none was). */
  readonly receiver: WebhookReceiver;
  api<T = Record<string, unknown>>(
    method: string,
    path: string,
    options?: Parameters<typeof api>[3],
  ): Promise<ApiResponse<T>>;
  organization(profile: OrganizationProfile): Promise<TestOrganization>;
  /** Several organizations at once, under the names given. */
  organizations<N extends string>(
    profiles: Record<N, OrganizationProfile>,
  ): Promise<Record<N, TestOrganization>>;
  /** Submits a record (by default the sample of its type) and expects 201. */
  submit(owner: TestOrganization, type: RecordType, body?: Record<string, unknown>): Promise<SubmittedRecord>;
  /** Creates a subscription (by default a pull feed of everything) and expects 201. */
  subscribe(owner: TestOrganization, request?: SubscriptionRequest): Promise<CreatedSubscription>;
  close(): Promise<void>;
}

const COLLECTION: Record<RecordType, string> = { alert: 'alerts', seizure: 'seizures' };

export async function startHub(options: HubOptions = {}): Promise<TestHub> {
  const running: Partial<Record<'gateway' | HubService, RunningService>> = {};
  let receiver: WebhookReceiver | undefined;
  // Closes what runs at that moment: a test may have replaced a service (hub.router = restarted).
  const close = async (): Promise<void> => {
    await receiver?.close();
    for (const service of ['notifier', 'router', 'relay', 'gateway'] as const) await hub[service]?.close();
  };
  const hub = running as TestHub;
  try {
    const gateway = await startGateway(options.gateway?.bodyLimitBytes, options.gateway?.env);
    running.gateway = gateway;
    const starters = { relay: startRelay, router: startRouter, notifier: startNotifier };
    for (const service of options.services ?? [])
      running[service] = await starters[service](options.env?.[service]);
    if (options.receiver) receiver = await WebhookReceiver.start(options.receiver.secret);

    const call: TestHub['api'] = (method, path, callOptions) => api(gateway.url, method, path, callOptions);
    const organization = (profile: OrganizationProfile): Promise<TestOrganization> =>
      registerOrganization(gateway.url, profile);
    Object.defineProperty(hub, 'receiver', {
      get: (): WebhookReceiver => {
        if (!receiver) throw new Error('startHub: no receiver was asked for');
        return receiver;
      },
    });
    return Object.assign(hub, {
      url: gateway.url,
      api: call,
      organization,
      organizations: async <N extends string>(profiles: Record<N, OrganizationProfile>) => {
        const named = {} as Record<N, TestOrganization>;
        for (const name of Object.keys(profiles) as N[]) named[name] = await organization(profiles[name]);
        return named;
      },
      submit: async (owner: TestOrganization, type: RecordType, body?: Record<string, unknown>) => {
        const created = await call<SubmittedRecord>('POST', `/v1/${COLLECTION[type]}`, {
          key: owner.apiKey,
          body: body ?? sampleRecord(type),
        });
        expect(created.status).toBe(201);
        return created.body;
      },
      subscribe: async (owner: TestOrganization, request: SubscriptionRequest = {}) => {
        const created = await call<{ subscription: { id: string }; secret?: string }>(
          'POST',
          '/v1/subscriptions',
          {
            key: owner.apiKey,
            body: {
              name: request.name ?? `feed ${Math.random()}`,
              filter: request.filter ?? {},
              delivery: request.delivery ?? { type: 'pull' },
              ...(request.replayFrom ? { replayFrom: request.replayFrom } : {}),
            },
          },
        );
        expect(created.status).toBe(201);
        return { id: created.body.subscription.id, secret: created.body.secret };
      },
      close,
    });
  } catch (error) {
    await close();
    throw error;
  }
}
