import { ADMIN_TOKEN, api, registerOrganization } from '../support/hub-harness';
import { WebhookReceiver } from '../support/webhook-receiver';
import { withSuiteClient } from './fault-hub';

const SUSPENDED_TYPE = 'https://cosmo-hub.example/problems/organization-suspended';

export interface SuspensionReport {
  /** Webhook requests its endpoint received between the suspension's answer and the reinstatement. */
  receivedWhileSuspended: number;
  /** Of those, deliveries leased before the suspension committed (on the wire then; allowed). */
  inFlightAtSuspension: number;
  /** Feed entries written for it while suspended (must be 0), and records routed meanwhile to others. */
  matchedWhileSuspended: number;
  routedToOthersWhileSuspended: number;
  /** Its deliveries by status, and by cancel reason. */
  deliveries: Record<string, number>;
  /** Cancelled deliveries whose event reached it after the reinstatement (must be 0: no replay). */
  cancelledThenSent: number;
  /** Webhook requests and feed entries after the reinstatement (must be > 0: it is served again). */
  receivedAfterReinstatement: number;
  matchedAfterReinstatement: number;
  anomalies: string[];
}

/**
 * An organization outside the record stream (it submits nothing), subscribed to everything by
 * webhook and pull feed, that the storm suspends and reinstates: the audit proves it was sent and
 * matched nothing between the suspension's commit and the reinstatement, that what was pending
 * then was cancelled (not dead-lettered, not replayed), and that it is served again afterwards.
 */
export class SuspensionWindow {
  private code = '';
  private apiKey = '';
  private webhookId = '';
  private pullId = '';
  /** The database's time of the suspension (the routing lock taken), and the client's times around it. */
  private suspendedAt = 0;
  private suspensionAnsweredAt = 0;
  private reinstatementSentAt = 0;
  private keyRefusal = '';
  readonly anomalies: string[] = [];

  private constructor(
    private readonly gateway: string,
    readonly receiver: WebhookReceiver,
  ) {}

  static async start(gateway: string, runTag: string): Promise<SuspensionWindow> {
    const window = new SuspensionWindow(gateway, await WebhookReceiver.start(null, '/hooks/suspended'));
    const organization = await registerOrganization(gateway, {
      kind: 'member',
      country: 'BE',
      code: `customs-be-suspended-${runTag}`,
    });
    window.code = organization.code;
    window.apiKey = organization.apiKey;
    const subscribe = async (delivery: unknown): Promise<{ id: string; secret?: string }> => {
      const created = await api<{ subscription: { id: string }; secret?: string }>(
        gateway,
        'POST',
        '/v1/subscriptions',
        {
          key: organization.apiKey,
          body: { name: `suspended ${JSON.stringify(delivery)}`, filter: {}, delivery },
        },
      );
      if (created.status !== 201)
        throw new Error(`subscribing the suspended organization: ${created.status}`);
      return { id: created.body.subscription.id, secret: created.body.secret };
    };
    const webhook = await subscribe({ type: 'webhook', url: window.receiver.url });
    window.receiver.trust(new URL(window.receiver.url).pathname, webhook.secret!);
    window.webhookId = webhook.id;
    window.pullId = (await subscribe({ type: 'pull' })).id;
    return window;
  }

  get organizationCode(): string {
    return this.code;
  }

  async suspend(): Promise<void> {
    const answer = await api<{ status: string; suspendedAt: string }>(
      this.gateway,
      'POST',
      `/v1/admin/organizations/${this.code}/suspend`,
      { key: ADMIN_TOKEN, body: { reason: 'Fault suite: cut off mid-storm' } },
    );
    this.suspensionAnsweredAt = Date.now();
    if (answer.status !== 200 || answer.body.status !== 'suspended')
      throw new Error(`suspending ${this.code}: ${answer.status} ${JSON.stringify(answer.body)}`);
    this.suspendedAt = Date.parse(answer.body.suspendedAt);
    const refused = await api<{ type?: string }>(
      this.gateway,
      'GET',
      `/v1/subscriptions/${this.pullId}/events`,
      {
        key: this.apiKey,
      },
    );
    this.keyRefusal = `${refused.status} ${refused.body.type ?? ''}`;
  }

  async reinstate(): Promise<void> {
    this.reinstatementSentAt = Date.now();
    const answer = await api<{ status: string }>(
      this.gateway,
      'POST',
      `/v1/admin/organizations/${this.code}/reinstate`,
      { key: ADMIN_TOKEN },
    );
    if (answer.status !== 200 || answer.body.status !== 'active')
      throw new Error(`reinstating ${this.code}: ${answer.status} ${JSON.stringify(answer.body)}`);
  }

  /** Once the hub is quiescent. */
  async audit(databaseUrl: string): Promise<SuspensionReport> {
    const anomalies: string[] = [];
    if (this.keyRefusal !== `403 ${SUSPENDED_TYPE}`)
      anomalies.push(`its key while suspended answered ${this.keyRefusal}, not 403 organization-suspended`);
    const window = [new Date(this.suspendedAt), new Date(this.reinstatementSentAt)];
    const mine = [this.webhookId, this.pullId];
    const facts = await withSuiteClient(databaseUrl, async (client) => ({
      matched: (
        await client.query<{ mine: number; others: number }>(
          `SELECT count(*) FILTER (WHERE subscription_id = ANY($3::uuid[]))::int AS mine,
                  count(*) FILTER (WHERE subscription_id <> ALL($3::uuid[]))::int AS others
             FROM feed_entries WHERE created_at >= $1 AND created_at < $2`,
          [...window, mine],
        )
      ).rows[0],
      deliveries: (
        await client.query<{
          event_id: string;
          status: string;
          cancel_reason: string | null;
          created_at: Date;
        }>(
          `SELECT w.event_id::text, w.status, w.cancel_reason, f.created_at
             FROM webhook_deliveries w JOIN feed_entries f ON f.id = w.feed_entry_id
            WHERE w.subscription_id = $1`,
          [this.webhookId],
        )
      ).rows,
      matchedAfter: (
        await client.query<{ n: number }>(
          'SELECT count(*)::int AS n FROM feed_entries WHERE subscription_id = ANY($2::uuid[]) AND created_at >= $1',
          [new Date(this.reinstatementSentAt), mine],
        )
      ).rows[0].n,
    }));
    const cancelled = new Set(
      facts.deliveries.filter((row) => row.status === 'cancelled').map((row) => row.event_id),
    );
    const deliveries: Record<string, number> = {};
    for (const row of facts.deliveries) {
      const state = row.cancel_reason ? `${row.status} (${row.cancel_reason})` : row.status;
      deliveries[state] = (deliveries[state] ?? 0) + 1;
      // Cancelled by the suspension, or recalled by a narrowing revision: both are the hub's own doing.
      if (row.status !== 'delivered' && row.status !== 'cancelled')
        anomalies.push(`its delivery of event ${row.event_id} ended ${row.status}`);
      // Only the suspension's own cancellations are bounded by it: a delivery matched after
      // reinstatement may still be recalled by a later narrowing revision.
      if (row.cancel_reason === 'organization-suspended' && row.created_at.getTime() >= this.suspendedAt)
        anomalies.push(
          `its delivery of event ${row.event_id}, matched after the suspension, was cancelled by it`,
        );
    }
    const eventOf = (body: string): string => (JSON.parse(body) as { id: string }).id;
    const during = this.receiver.requests.filter(
      (request) =>
        request.receivedAt >= this.suspensionAnsweredAt && request.receivedAt < this.reinstatementSentAt,
    );
    const inFlight = during.filter((request) => cancelled.has(eventOf(request.body)));
    for (const request of during.filter((candidate) => !inFlight.includes(candidate)))
      anomalies.push(`received event ${eventOf(request.body)} while suspended`);
    const after = this.receiver.requests.filter((request) => request.receivedAt >= this.reinstatementSentAt);
    const replayed = after.filter((request) => cancelled.has(eventOf(request.body)));
    for (const request of replayed)
      anomalies.push(`cancelled event ${eventOf(request.body)} was sent after reinstatement`);
    if (facts.matched.mine > 0)
      anomalies.push(`${facts.matched.mine} feed entries were matched to it while suspended`);
    if (facts.matched.others === 0)
      anomalies.push('nothing was routed to anyone while it was suspended: the window proves nothing');
    if (after.length === 0 || facts.matchedAfter === 0)
      anomalies.push('it was served nothing after its reinstatement');
    this.anomalies.push(...anomalies);
    return {
      receivedWhileSuspended: during.length,
      inFlightAtSuspension: inFlight.length,
      matchedWhileSuspended: facts.matched.mine,
      routedToOthersWhileSuspended: facts.matched.others,
      deliveries,
      cancelledThenSent: replayed.length,
      receivedAfterReinstatement: after.length,
      matchedAfterReinstatement: facts.matchedAfter,
      anomalies,
    };
  }

  async close(): Promise<void> {
    await this.receiver.close();
  }
}
