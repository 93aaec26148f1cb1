import {
  DEAD_LETTER_TOPICS,
  DELIVERY_DEAD_LETTER_HEADERS,
  regionalTopic,
  TOPICS,
  WCO_REGIONS,
} from '@hub/contracts';
import { api, type ConsumedMessage, readTopicToEnd, type TopicReader } from '../support/hub-harness';
import {
  recallKey,
  referenceDeliveries,
  referenceRegionalFeeds,
  referenceRegionalRecalls,
  type ReferenceFilter,
  type ReferenceVersion,
  versionKey,
} from '../support/reference-rules';
import type { WebhookReceiver } from '../support/webhook-receiver';
import { withSuiteClient } from './fault-hub';
import type { RecordLog, StreamOrganization } from './record-stream';

/** How the reference names what arrived: `<record id>@<version>`, a recall marked. */
function arrivedKey(type: string, recordId: string, version: number): string {
  const key = { recordId, version };
  return type.endsWith('.recalled') ? recallKey(key) : versionKey(key);
}

export interface AuditSubscription {
  id: string;
  name: string;
  owner: StreamOrganization;
  filter: ReferenceFilter;
  delivery: 'pull' | 'webhook';
  /** Webhooks: where they arrive (the receiver checks each signature with the subscription's secret). */
  receiver?: WebhookReceiver;
  path?: string;
}

/** One channel's tally: what the reference expects and what arrived. */
export interface ChannelCounts {
  expected: number;
  delivered: number;
  lost: number;
  leaked: number;
  /** Extra copies the channel's contract allows (the same event id again: at least once). */
  duplicated: number;
  /** Copies it does not allow: a pull feed repeating an entry, a webhook under a new webhook-id, a version published twice. */
  forbiddenDuplicates: number;
  outOfOrder: number;
}

export interface AuditReport {
  channels: Record<'database' | 'canonical' | 'regional' | 'pull' | 'webhook' | 'audit', ChannelCounts>;
  deadLettered: number;
  /** Unanswered revisions and withdrawals the database shows were carried out, and those it shows were not. */
  uncertainCommitted: number;
  uncertainNotCommitted: number;
  /** Submissions sent more than once, and of those, the ones that ended as exactly one record with the id acknowledged. */
  resent: number;
  resentOneRecord: number;
  /** Records stored for a reference whose submission was never acknowledged. */
  storedUnacknowledged: number;
  deliveryStates: Record<string, number>;
  /** Problems that are neither a loss nor a leak (a wrong answer, a bad signature…), with examples. */
  anomalies: string[];
  /** Examples of each loss and leak, for the failure message. */
  examples: string[];
  lost: number;
  leaked: number;
}

const emptyCounts = (): ChannelCounts => ({
  expected: 0,
  delivered: 0,
  lost: 0,
  leaked: 0,
  duplicated: 0,
  forbiddenDuplicates: 0,
  outOfOrder: 0,
});

const MAX_EXAMPLES = 12;

interface Arrival {
  key: string;
  eventId: string;
  /** Where it arrived, in arrival order (topic offset, feed position, request number). */
  order: number;
}

/**
 * Compares everything the hub holds and delivered after the storm with what its clients were
 * told (every 2xx) and with the reference rules: the database, the canonical and regional
 * topics, every pull feed and every webhook receiver.
 */
export class StormAudit {
  private readonly report: AuditReport = {
    channels: {
      database: emptyCounts(),
      canonical: emptyCounts(),
      regional: emptyCounts(),
      pull: emptyCounts(),
      webhook: emptyCounts(),
      audit: emptyCounts(),
    },
    deadLettered: 0,
    uncertainCommitted: 0,
    uncertainNotCommitted: 0,
    resent: 0,
    resentOneRecord: 0,
    storedUnacknowledged: 0,
    deliveryStates: {},
    anomalies: [],
    examples: [],
    lost: 0,
    leaked: 0,
  };
  /** Every version the hub stored for the stream's records, with its reference state. */
  private readonly versions: (ReferenceVersion & { type: 'alert' | 'seizure' })[] = [];
  private readonly recordIds = new Set<string>();
  /** What the audit trail must show: each regional publication (topic → event ids) and each pull page read. */
  private readonly published = new Map<string, Set<string>>();
  private readonly pulled = new Map<string, Set<string>>();

  constructor(
    private readonly databaseUrl: string,
    private readonly gatewayUrl: string,
    private readonly records: readonly RecordLog[],
    private readonly subscriptions: readonly AuditSubscription[],
    /** The regional streams are read as their consumers read them: with a stream credential, over SASL_SSL. */
    private readonly regionalReader: TopicReader,
  ) {}

  async run(): Promise<AuditReport> {
    await this.auditDatabase();
    const [alerts, seizures, deadLetters, ...regional] = await Promise.all([
      readTopicToEnd(TOPICS.alerts, 120_000),
      readTopicToEnd(TOPICS.seizures, 120_000),
      readTopicToEnd(DEAD_LETTER_TOPICS.deliveries, 120_000),
      ...WCO_REGIONS.map((region) => readTopicToEnd(regionalTopic(region), 120_000, this.regionalReader)),
    ]);
    this.auditCanonical(alerts, seizures);
    this.auditRegional(regional);
    // What each subscription owes: the versions it may still read and the recalls of what a
    // narrowing revision took back (required); a webhook may have sent a narrowed version before
    // the narrowing came (optional).
    const expected = referenceDeliveries(
      this.subscriptions.map((subscription) => ({
        id: subscription.id,
        owner: subscription.owner.reference,
        filter: subscription.filter,
      })),
      this.versions,
    );
    const deadLettered = this.deadLetteredKeys(deadLetters);
    for (const subscription of this.subscriptions) {
      const { required, optional } = expected.get(subscription.id)!;
      if (subscription.delivery === 'pull') await this.auditPull(subscription, required);
      else
        this.auditWebhook(subscription, required, optional, deadLettered.get(subscription.id) ?? new Set());
    }
    await this.auditTrail();
    this.report.lost = Object.values(this.report.channels).reduce((sum, counts) => sum + counts.lost, 0);
    this.report.leaked = Object.values(this.report.channels).reduce((sum, counts) => sum + counts.leaked, 0);
    return this.report;
  }

  /** Every acknowledged record and version is stored, once; unanswered changes are settled here. */
  private async auditDatabase(): Promise<void> {
    const counts = this.report.channels.database;
    const { stored, versions, doubles, deliveries } = await withSuiteClient(
      this.databaseUrl,
      async (client) => ({
        stored: (
          await client.query<{ id: string; reference: string; originator_code: string }>(
            'SELECT id, reference, originator_code FROM intelligence_records',
          )
        ).rows,
        versions: (
          await client.query<{ record_id: string; version: number }>(
            'SELECT record_id, version FROM intelligence_record_versions',
          )
        ).rows,
        doubles: (
          await client.query<{ reference: string; n: number }>(
            `SELECT reference, count(*)::int AS n FROM intelligence_records
            GROUP BY originator_code, type, reference HAVING count(*) > 1`,
          )
        ).rows,
        deliveries: (
          await client.query<{ status: string; n: number }>(
            'SELECT status, count(*)::int AS n FROM webhook_deliveries GROUP BY status',
          )
        ).rows,
      }),
    );
    for (const row of deliveries) this.report.deliveryStates[row.status] = row.n;
    for (const row of doubles)
      this.anomaly(`${row.reference}: ${row.n} records for one reference (a resend made a second record)`);
    const byReference = new Map(stored.map((row) => [`${row.originator_code}/${row.reference}`, row]));
    const perReference = new Map<string, number>();
    for (const row of stored) {
      const reference = `${row.originator_code}/${row.reference}`;
      perReference.set(reference, (perReference.get(reference) ?? 0) + 1);
    }
    const storedVersions = new Map<string, Set<number>>();
    for (const row of versions) {
      const set = storedVersions.get(row.record_id) ?? new Set<number>();
      set.add(row.version);
      storedVersions.set(row.record_id, set);
    }
    for (const log of this.records) {
      const row = byReference.get(`${log.originator.code}/${log.reference}`);
      if (log.recordId === null) {
        // Never acknowledged (the client gave up): if stored anyway, it must still be delivered.
        if (!row) continue;
        this.report.storedUnacknowledged += 1;
        log.recordId = row.id;
        log.versions.set(1, { state: log.submitted, acknowledged: false, change: 'submit' });
      }
      const recordId = log.recordId;
      this.recordIds.add(recordId);
      if (log.submissions > 1) {
        this.report.resent += 1;
        if (perReference.get(`${log.originator.code}/${log.reference}`) === 1 && row?.id === recordId)
          this.report.resentOneRecord += 1;
      }
      if (!row || row.id !== recordId) {
        this.anomaly(`${log.reference}: acknowledged as ${recordId} but stored as ${row?.id ?? 'nothing'}`);
      }
      const have = storedVersions.get(recordId) ?? new Set<number>();
      if (log.uncertain) {
        if (have.has(log.uncertain.version)) {
          this.report.uncertainCommitted += 1;
          log.versions.set(log.uncertain.version, log.uncertain.log);
        } else this.report.uncertainNotCommitted += 1;
      }
      for (const [version, entry] of log.versions) {
        if (entry.acknowledged) counts.expected += 1;
        if (!have.has(version)) {
          if (entry.acknowledged)
            this.lose('database', `${log.reference} version ${version} (acknowledged) is not stored`);
          continue;
        }
        if (entry.acknowledged) counts.delivered += 1;
        this.versions.push({ recordId, version, state: entry.state, type: log.spec.type });
      }
      for (const version of have)
        if (!log.versions.has(version))
          this.anomaly(`${log.reference}: stored version ${version} that no request made`);
    }
  }

  /** Every stored version is on its record type's canonical topic, once per event id, in version order. */
  private auditCanonical(alerts: ConsumedMessage[], seizures: ConsumedMessage[]): void {
    const counts = this.report.channels.canonical;
    const want = new Map(this.versions.map((version) => [versionKey(version), version]));
    const arrivals: Arrival[] = [];
    for (const [topic, messages] of [
      [TOPICS.alerts, alerts],
      [TOPICS.seizures, seizures],
    ] as const) {
      const partitionsOf = new Map<string, Set<number>>();
      for (const message of messages) {
        if (!message.key || !this.recordIds.has(message.key)) continue;
        const key = `${message.key}@${message.headers.ce_recordversion}`;
        const expected = want.get(key);
        const onTopic = expected && (expected.type === 'alert' ? TOPICS.alerts : TOPICS.seizures) === topic;
        if (!onTopic) {
          this.leak('canonical', `${key} on ${topic}, where it does not belong`);
          continue;
        }
        const partitions = partitionsOf.get(message.key) ?? new Set<number>();
        partitions.add(message.partition);
        partitionsOf.set(message.key, partitions);
        arrivals.push({ key, eventId: message.headers.ce_id, order: Number(message.offset) });
      }
      for (const [recordId, partitions] of partitionsOf)
        if (partitions.size > 1)
          this.anomaly(
            `record ${recordId} is spread over partitions ${[...partitions].join(', ')} of ${topic}`,
          );
    }
    this.tally('canonical', counts, new Set(want.keys()), arrivals, 'same-id-allowed', 'canonical topics');
  }

  /** Each regional stream carries exactly the versions the reference sends it. */
  private auditRegional(topics: ConsumedMessage[][]): void {
    const counts = this.report.channels.regional;
    const expected = referenceRegionalFeeds(WCO_REGIONS, this.versions);
    const recalls = referenceRegionalRecalls(WCO_REGIONS, this.versions);
    WCO_REGIONS.forEach((region, index) => {
      const ours = topics[index].filter((message) => message.key !== null && this.recordIds.has(message.key));
      this.published.set(regionalTopic(region), new Set(ours.map((message) => message.headers.ce_id)));
      const arrivals: Arrival[] = ours.map((message) => ({
        key: arrivedKey(
          message.headers.ce_type ?? '',
          message.key!,
          Number(message.headers.ce_recordversion),
        ),
        eventId: message.headers.ce_id,
        // Offsets are per partition; a record's versions share one partition, which is all order needs.
        order: Number(message.offset),
      }));
      this.tally(
        'regional',
        counts,
        new Set([...expected.get(region)!, ...recalls.get(region)!]),
        arrivals,
        'same-id-allowed',
        regionalTopic(region),
      );
    });
  }

  /** The feed as its owner pages through it. */
  private async auditPull(subscription: AuditSubscription, want: Set<string>): Promise<void> {
    const arrivals: Arrival[] = [];
    let after: string | null = null;
    for (;;) {
      const page: {
        status: number;
        body: {
          events: { id: string; type: string; data: { id: string; version: number } }[];
          nextCursor: string | null;
        };
      } = await api(
        this.gatewayUrl,
        'GET',
        `/v1/subscriptions/${subscription.id}/events?limit=500${after ? `&after=${after}` : ''}`,
        { key: subscription.owner.apiKey },
      );
      if (page.status !== 200) {
        this.anomaly(`${subscription.name}: reading its feed answered ${page.status}`);
        return;
      }
      for (const event of page.body.events)
        arrivals.push({
          key: arrivedKey(event.type, event.data.id, event.data.version),
          eventId: event.id,
          order: arrivals.length,
        });
      // An empty page can still move on (entries its owner may no longer read): stop when the cursor stops.
      if (!page.body.nextCursor || page.body.nextCursor === after) break;
      after = page.body.nextCursor;
    }
    this.pulled.set(subscription.id, new Set(arrivals.map((arrival) => arrival.eventId)));
    this.tally('pull', this.report.channels.pull, want, arrivals, 'forbidden', subscription.name);
  }

  /**
   * What reached the subscription's endpoint: every request's signature is checked; an event
   * counts as delivered once the endpoint answered 2xx; repeats must reuse its webhook-id.
   */
  private auditWebhook(
    subscription: AuditSubscription,
    want: Set<string>,
    optional: Set<string>,
    deadLettered: Set<string>,
  ): void {
    const counts = this.report.channels.webhook;
    const requests = subscription.receiver!.requests.filter((request) => request.path === subscription.path);
    const keyOfWebhookId = new Map<string, string>();
    const webhookIdsOfKey = new Map<string, Set<string>>();
    const answered = new Map<string, number>();
    const firsts: { key: string; order: number }[] = [];
    requests.forEach((request, order) => {
      if (!request.verified)
        this.anomaly(`${subscription.name}: a request failed its signature check (${request.verifyError})`);
      const event = JSON.parse(request.body) as {
        id: string;
        type: string;
        data: { id: string; version: number };
      };
      const key = arrivedKey(event.type, event.data.id, event.data.version);
      const webhookId = String(request.headers['webhook-id']);
      if (webhookId !== event.id)
        this.anomaly(`${subscription.name}: webhook-id ${webhookId} is not the event id ${event.id}`);
      const known = keyOfWebhookId.get(webhookId);
      if (known && known !== key)
        this.anomaly(`${subscription.name}: webhook-id ${webhookId} carried ${known} and ${key}`);
      keyOfWebhookId.set(webhookId, key);
      if (!webhookIdsOfKey.has(key)) firsts.push({ key, order });
      webhookIdsOfKey.set(key, (webhookIdsOfKey.get(key) ?? new Set()).add(webhookId));
      if (request.status !== null && request.status >= 200 && request.status < 300)
        answered.set(key, (answered.get(key) ?? 0) + 1);
    });
    for (const [key, ids] of webhookIdsOfKey) {
      // Even an attempt the endpoint refused carried the record to it.
      if (!want.has(key) && !optional.has(key)) this.leak('webhook', `${key} sent to ${subscription.name}`);
      if (ids.size > 1) {
        counts.forbiddenDuplicates += ids.size - 1;
        this.anomaly(`${subscription.name}: ${key} arrived under ${ids.size} webhook-ids`);
      }
    }
    for (const times of answered.values()) counts.duplicated += times - 1;
    // First arrivals: a repeat after a lost acknowledgment does not reorder what the endpoint saw first.
    counts.outOfOrder += this.outOfOrder(firsts, subscription.name);
    counts.expected += want.size;
    for (const key of want) {
      if (answered.has(key)) counts.delivered += 1;
      else if (deadLettered.has(key))
        this.lose(
          'webhook',
          `${key} to ${subscription.name} was dead-lettered (every failure here is intermittent)`,
        );
      else this.lose('webhook', `${key} never reached ${subscription.name}`);
    }
  }

  /**
   * The audit trail, written beside each of these in the same transaction (or, for regional
   * streams, before the router commits its offsets), holds exactly one entry for every stored
   * version, every delivered webhook and every regional publication, whatever crashed; and the
   * pull pages this audit just read are recorded for their owner, event by event.
   */
  private async auditTrail(): Promise<void> {
    const counts = this.report.channels.audit;
    const recordIds = [...this.recordIds];
    const trail = await withSuiteClient(this.databaseUrl, async (client) => ({
      writes: (
        await client.query<{ record_id: string; version: number; entries: number }>(
          `SELECT v.record_id, v.version, count(a.id)::int AS entries
             FROM intelligence_record_versions v
             LEFT JOIN audit_events a
               ON a.resource_id = v.record_id::text AND a.outcome = 'success'
              AND (a.detail->>'version')::int = v.version
              AND a.action = CASE split_part(v.event_type, '.', 2)
                               WHEN 'published' THEN 'record.submitted'
                               WHEN 'updated' THEN 'record.revised'
                               ELSE 'record.withdrawn' END
            WHERE v.record_id = ANY($1::uuid[])
            GROUP BY v.record_id, v.version`,
          [recordIds],
        )
      ).rows,
      deliveries: (
        await client.query<{ id: string; status: string; entries: number }>(
          `SELECT w.id, w.status, count(a.id)::int AS entries
             FROM webhook_deliveries w
             LEFT JOIN audit_events a ON a.action = 'delivery.delivered' AND a.resource_id = w.id::text
            GROUP BY w.id, w.status`,
        )
      ).rows,
      publications: (
        await client.query<{ topic: string; event_id: string; entries: number }>(
          `SELECT resource_id AS topic, event_ids[1]::text AS event_id, count(*)::int AS entries
             FROM audit_events
            WHERE action = 'regional-stream.published' AND record_ids && $1::uuid[]
            GROUP BY resource_id, event_ids[1]`,
          [recordIds],
        )
      ).rows,
      feedReads: (
        await client.query<{ subscription_id: string; actor_code: string; event_id: string }>(
          `SELECT resource_id AS subscription_id, actor_code, unnest(event_ids)::text AS event_id
             FROM audit_events WHERE action = 'feed.read' AND outcome = 'success'`,
        )
      ).rows,
    }));
    const once = (what: string, entries: number): void => {
      counts.expected += 1;
      if (entries === 0) this.lose('audit', `${what} has no audit entry`);
      else counts.delivered += 1;
      if (entries > 1) {
        counts.forbiddenDuplicates += entries - 1;
        this.anomaly(`${what} has ${entries} audit entries`);
      }
    };
    for (const row of trail.writes) once(`record ${row.record_id} version ${row.version}`, row.entries);
    for (const row of trail.deliveries) {
      if (row.status === 'delivered') once(`webhook delivery ${row.id}`, row.entries);
      else if (row.entries > 0)
        this.anomaly(`webhook delivery ${row.id} (${row.status}) is audited as delivered`);
    }
    const audited = new Map(trail.publications.map((row) => [`${row.topic}/${row.event_id}`, row.entries]));
    for (const [topic, eventIds] of this.published)
      for (const eventId of eventIds)
        once(`event ${eventId} on ${topic}`, audited.get(`${topic}/${eventId}`) ?? 0);
    for (const key of audited.keys()) {
      const [topic, eventId] = key.split('/');
      if (!this.published.get(topic)?.has(eventId))
        this.anomaly(
          `the audit trail says event ${eventId} was published on ${topic}, which does not carry it`,
        );
    }
    const read = new Set(
      trail.feedReads.map((row) => `${row.subscription_id}/${row.actor_code}/${row.event_id}`),
    );
    for (const subscription of this.subscriptions) {
      for (const eventId of this.pulled.get(subscription.id) ?? []) {
        counts.expected += 1;
        if (read.has(`${subscription.id}/${subscription.owner.code}/${eventId}`)) counts.delivered += 1;
        else this.lose('audit', `${subscription.name}'s read of event ${eventId} is not audited`);
      }
    }
  }

  private deadLetteredKeys(messages: ConsumedMessage[]): Map<string, Set<string>> {
    const ours = new Set(this.subscriptions.map((subscription) => subscription.id));
    const bySubscription = new Map<string, Set<string>>();
    for (const message of messages) {
      const subscriptionId = message.headers[DELIVERY_DEAD_LETTER_HEADERS.subscriptionId];
      if (!ours.has(subscriptionId)) continue;
      this.report.deadLettered += 1;
      const event = JSON.parse(message.value) as { data: { id: string; version: number } };
      const keys = bySubscription.get(subscriptionId) ?? new Set<string>();
      keys.add(versionKey({ recordId: event.data.id, version: event.data.version }));
      bySubscription.set(subscriptionId, keys);
    }
    return bySubscription;
  }

  /**
   * Counts one channel's arrivals against what it should carry: missing ones are lost, unexpected
   * ones leaked; repeats of an event id are allowed duplicates (at least once) or forbidden ones.
   */
  private tally(
    channel: keyof AuditReport['channels'],
    counts: ChannelCounts,
    want: Set<string>,
    arrivals: Arrival[],
    repeats: 'same-id-allowed' | 'forbidden',
    where: string,
  ): void {
    const idsOfKey = new Map<string, Map<string, number>>();
    for (const arrival of arrivals) {
      const ids = idsOfKey.get(arrival.key) ?? new Map<string, number>();
      ids.set(arrival.eventId, (ids.get(arrival.eventId) ?? 0) + 1);
      idsOfKey.set(arrival.key, ids);
    }
    counts.expected += want.size;
    for (const key of want) {
      if (idsOfKey.has(key)) counts.delivered += 1;
      else this.lose(channel, `${key} is missing from ${where}`);
    }
    for (const [key, ids] of idsOfKey) {
      if (!want.has(key)) this.leak(channel, `${key} reached ${where}`);
      if (ids.size > 1) {
        counts.forbiddenDuplicates += ids.size - 1;
        this.anomaly(`${where}: ${key} appears under ${ids.size} event ids`);
      }
      for (const times of ids.values()) {
        if (times <= 1) continue;
        if (repeats === 'forbidden') {
          counts.forbiddenDuplicates += times - 1;
          this.anomaly(`${where}: ${key} appears ${times} times`);
        } else counts.duplicated += times - 1;
      }
    }
    counts.outOfOrder += this.outOfOrder(arrivals, where);
  }

  /** Versions of one record must first arrive in increasing order. */
  private outOfOrder(arrivals: readonly { key: string; order: number }[], where: string): number {
    const byRecord = new Map<string, { version: number; order: number }[]>();
    for (const arrival of arrivals) {
      const [recordId, version] = arrival.key.split('@');
      const list = byRecord.get(recordId) ?? [];
      if (!list.some((seen) => seen.version === Number(version)))
        list.push({ version: Number(version), order: arrival.order });
      byRecord.set(recordId, list);
    }
    let violations = 0;
    for (const [recordId, list] of byRecord) {
      const versions = [...list].sort((a, b) => a.order - b.order).map((seen) => seen.version);
      if (versions.some((version, index) => index > 0 && version < versions[index - 1])) {
        violations += 1;
        this.anomaly(`${where}: record ${recordId} arrived as versions ${versions.join(', ')}`);
      }
    }
    return violations;
  }

  private lose(channel: keyof AuditReport['channels'], detail: string): void {
    this.report.channels[channel].lost += 1;
    if (this.report.examples.length < MAX_EXAMPLES) this.report.examples.push(`lost (${channel}): ${detail}`);
  }

  private leak(channel: keyof AuditReport['channels'], detail: string): void {
    this.report.channels[channel].leaked += 1;
    if (this.report.examples.length < MAX_EXAMPLES)
      this.report.examples.push(`leaked (${channel}): ${detail}`);
  }

  private anomaly(detail: string): void {
    if (this.report.anomalies.length < 50) this.report.anomalies.push(detail);
  }
}
