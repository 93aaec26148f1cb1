import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  type FieldViolation,
  type HubFeedEvent,
  isDateTime,
  isNoticeEvent,
  isRecallEvent,
  type SubscriptionFilter,
  validateNewSubscription,
  validateSubscriptionUpdate,
} from '@hub/contracts';
import { eventFactsOf, filterAccepts, mayRead, mayStillRead } from '@hub/matching';
import {
  type AuditAction,
  type AuditEntry,
  AuditTrail,
  DeliveryLog,
  type DeliveryView,
  FeedStore,
  type ReplayOutcome,
  type SubscriptionReplay,
  type SubscriptionRow,
  SubscriptionLimitReached,
  SubscriptionStore,
} from '@hub/persistence';
import { Backoff, ProblemException, problemField } from '@hub/platform';
import {
  assertDeliverableUrl,
  generateWebhookSecret,
  SecretBox,
  type WebhookTargetPolicy,
  webhookTargetPolicy,
  WebhookTargetRefused,
} from '@hub/webhooks';
import { organizationActor, requestTrace } from '../audit/audit-actor';
import type { CallerOrganization } from '../auth/caller';
import { GatewayConfig } from '../gateway.config';
import { decodeFeedCursor, encodeFeedCursor } from './feed-cursor';
import { FeedWaiter } from './feed-waiter';
import { LongPollSlots } from './long-poll-slots';

export interface SubscriptionView {
  id: string;
  name: string;
  filter: SubscriptionFilter;
  delivery: { type: 'pull' } | { type: 'webhook'; url: string };
  status: 'active' | 'paused';
  pausedReason: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface CreatedSubscriptionView {
  subscription: SubscriptionView;
  /** The webhook signing secret (Standard Webhooks `whsec_…`): shown once. */
  secret?: string;
  /** With `replayFrom`: where the replay started and how many earlier records it copied. */
  replay?: { from: string } & ReplayOutcome;
}

export interface FeedPage {
  /** Record events, and recalls (`<type>.recalled`, no content) of records the reader may no longer read. */
  events: HubFeedEvent[];
  nextCursor: string | null;
}

const MAX_WAIT_SECONDS = 30;
/** A page of `GET /v1/subscriptions`: the default SUBSCRIPTIONS_PER_ORGANIZATION, all of them by default. */
export const DEFAULT_LIST_LIMIT = 200;
/**
 * A long poll whose page was empty while entries were held back looks again after 2, 4, 8, 16, 32,
 * 64 and 128 ms, then every poll interval of the waiter until they show or a wake-up comes: what
 * holds them back is mostly another transaction's commit, over within a WAL flush or two.
 */
const HELD_BACK_RELOOKS = 7;

function invalid(violations: FieldViolation[]): ProblemException {
  return ProblemException.invalidRequest(
    violations.map((violation) => problemField(violation.field, violation.reason)),
  );
}

export function subscriptionView(row: SubscriptionRow): SubscriptionView {
  return {
    id: row.id,
    name: row.name,
    filter: row.filter,
    delivery:
      row.deliveryType === 'webhook' && row.webhookUrl
        ? { type: 'webhook', url: row.webhookUrl }
        : { type: 'pull' },
    status: row.status === 'paused' ? 'paused' : 'active',
    pausedReason: row.pausedReason,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

/** An organization's own subscriptions; another's are answered as if they did not exist. */
@Injectable()
export class SubscriptionsService {
  private readonly secrets: SecretBox;
  private readonly targets: WebhookTargetPolicy;
  private readonly longPolls: LongPollSlots;

  constructor(
    private readonly store: SubscriptionStore,
    private readonly feeds: FeedStore,
    private readonly waiter: FeedWaiter,
    private readonly deliveries: DeliveryLog,
    private readonly trail: AuditTrail,
    @Inject(GatewayConfig) private readonly config: GatewayConfig,
  ) {
    this.secrets = new SecretBox(config.HUB_SECRET_KEY);
    this.targets = webhookTargetPolicy(config);
    this.longPolls = new LongPollSlots(config.LONG_POLLS_PER_ORGANIZATION);
  }

  async create(caller: CallerOrganization, body: unknown): Promise<CreatedSubscriptionView> {
    const validated = validateNewSubscription(body);
    if (!validated.ok) throw invalid(validated.violations);
    const { name, filter, delivery, replayFrom } = validated.value;
    const since = replayFrom !== undefined ? await this.replayStart(caller, replayFrom) : undefined;
    const webhookUrl = delivery.type === 'webhook' ? await this.checkedUrl(delivery.url) : null;
    const secret = webhookUrl ? generateWebhookSecret() : undefined;
    const id = randomUUID();
    const { subscription, replayed } = await this.store
      .create(
        {
          id,
          organizationId: caller.id,
          organizationCode: caller.code,
          name,
          filter,
          deliveryType: delivery.type,
          webhookUrl,
          secretCiphertext: secret ? this.secrets.seal(secret, id) : null,
        },
        this.audit(caller, 'subscription.created', id, {
          deliveryType: delivery.type,
          ...(since ? { replayFrom: since.toISOString() } : {}),
        }),
        this.config.SUBSCRIPTIONS_PER_ORGANIZATION,
        since ? this.replay(caller, filter, since) : undefined,
      )
      .catch((error: unknown) => {
        if (error instanceof SubscriptionLimitReached) {
          throw new ProblemException(
            429,
            'subscription-limit',
            'Too many subscriptions',
            `Your organization holds ${error.limit} subscriptions, its limit (SUBSCRIPTIONS_PER_ORGANIZATION): delete one first.`,
          );
        }
        throw error;
      });
    return {
      subscription: subscriptionView(subscription),
      ...(secret ? { secret } : {}),
      ...(since && replayed ? { replay: { from: since.toISOString(), ...replayed } } : {}),
    };
  }

  /**
   * The earlier records a new subscription takes: the same filter rule and handling rule as the
   * router's, applied to each record's current version.
   */
  private replay(caller: CallerOrganization, filter: SubscriptionFilter, since: Date): SubscriptionReplay {
    return {
      since,
      maxRecords: this.config.SUBSCRIPTION_REPLAY_MAX_RECORDS,
      takes: (event) => {
        const facts = eventFactsOf(event.data);
        return filterAccepts(filter, facts) && mayRead(caller, facts.audience);
      },
    };
  }

  /** `replayFrom` as an instant: a time, or when the entry at a cursor of one of the caller's feeds was written. */
  private async replayStart(caller: CallerOrganization, replayFrom: string): Promise<Date> {
    const refuse = (detail: string): ProblemException =>
      ProblemException.invalidRequest([problemField('replayFrom', detail)]);
    const maxDays = this.config.SUBSCRIPTION_REPLAY_MAX_DAYS;
    if (maxDays === 0) throw refuse('is not offered by this hub (SUBSCRIPTION_REPLAY_MAX_DAYS is 0)');
    let since: Date | null;
    if (isDateTime(replayFrom)) {
      since = new Date(replayFrom);
    } else {
      const position = decodeFeedCursor(
        replayFrom,
        'replayFrom',
        'is neither a date-time nor a cursor returned by one of your feeds',
      );
      since = await this.feeds.entryWrittenAt(caller.id, position);
      if (!since) throw refuse('is not a cursor of one of your feeds');
    }
    if (since.getTime() < Date.now() - maxDays * 86_400_000) {
      throw refuse(`must be at most ${maxDays} days back`);
    }
    return since;
  }

  /** A page of the caller's subscriptions, oldest first; `next` is the `after` of the next page, if any. */
  async list(
    caller: CallerOrganization,
    query: { after?: string; limit?: number },
  ): Promise<{ subscriptions: SubscriptionView[]; next: string | null }> {
    const limit = query.limit ?? DEFAULT_LIST_LIMIT;
    const rows = await this.store.listOwned(caller.id, { after: query.after, limit });
    return {
      subscriptions: rows.map(subscriptionView),
      next: rows.length === limit ? rows[limit - 1].id : null,
    };
  }

  async get(caller: CallerOrganization, id: string): Promise<SubscriptionView> {
    return subscriptionView(await this.owned(caller, id));
  }

  async update(caller: CallerOrganization, id: string, body: unknown): Promise<CreatedSubscriptionView> {
    const validated = validateSubscriptionUpdate(body);
    if (!validated.ok) throw invalid(validated.violations);
    const current = await this.owned(caller, id);
    const { name, filter, delivery } = validated.value;
    let secret: string | undefined;
    const changes: Parameters<SubscriptionStore['updateOwned']>[2] = {
      name,
      filter,
    };
    if (delivery) {
      changes.deliveryType = delivery.type;
      changes.webhookUrl = delivery.type === 'webhook' ? await this.checkedUrl(delivery.url) : null;
      // A subscription that becomes a webhook gets its first secret now.
      if (delivery.type === 'webhook' && !current.secretCiphertext) {
        secret = generateWebhookSecret();
        changes.secretCiphertext = this.secrets.seal(secret, id);
      }
    }
    const row = await this.store.updateOwned(
      caller.id,
      id,
      changes,
      this.audit(caller, 'subscription.updated', id, {
        changed: Object.keys(changes).filter((key) => changes[key as keyof typeof changes] !== undefined),
      }),
    );
    if (!row) throw ProblemException.notFound();
    return { subscription: subscriptionView(row), ...(secret ? { secret } : {}) };
  }

  async remove(caller: CallerOrganization, id: string): Promise<void> {
    await this.owned(caller, id);
    await this.store.updateOwned(
      caller.id,
      id,
      { status: 'deleted' },
      this.audit(caller, 'subscription.deleted', id),
    );
  }

  async rotateSecret(caller: CallerOrganization, id: string): Promise<{ secret: string }> {
    const current = await this.owned(caller, id);
    if (current.deliveryType !== 'webhook') {
      throw ProblemException.conflict('Only webhook subscriptions have a signing secret.');
    }
    const secret = generateWebhookSecret();
    await this.store.updateOwned(
      caller.id,
      id,
      { secretCiphertext: this.secrets.seal(secret, id) },
      this.audit(caller, 'subscription.secret-rotated', id),
    );
    return { secret };
  }

  async resume(caller: CallerOrganization, id: string): Promise<SubscriptionView> {
    await this.owned(caller, id);
    const row = await this.store.updateOwned(
      caller.id,
      id,
      { status: 'active', pausedReason: null, consecutiveFailures: 0 },
      this.audit(caller, 'subscription.resumed', id),
    );
    return subscriptionView(row!);
  }

  /**
   * A page of the subscription's feed after `after`. With `wait`, an empty page is held until
   * an event arrives or the wait ends: one read on arrival, then, with no query, until the
   * router's NOTIFY names the subscription (a long poll holds one of the organization's slots).
   * Each event is checked against the handling rule again at read time, with its own version
   * and the record's current one: what a revision took from the reader is no longer served (its
   * recall is).
   */
  async events(
    caller: CallerOrganization,
    id: string,
    query: { after?: string; limit?: number; wait?: number },
    signal: AbortSignal,
  ): Promise<FeedPage> {
    const deadline = Date.now() + Math.min(query.wait ?? 0, MAX_WAIT_SECONDS) * 1000;
    const release = query.wait ? this.longPolls.take(caller.id, deadline) : undefined;
    try {
      return await this.feedPage(caller, id, query, deadline, signal);
    } finally {
      release?.();
    }
  }

  private async feedPage(
    caller: CallerOrganization,
    id: string,
    query: { after?: string; limit?: number },
    deadline: number,
    signal: AbortSignal,
  ): Promise<FeedPage> {
    const subscription = await this.owned(caller, id);
    const after = query.after !== undefined ? decodeFeedCursor(query.after) : null;
    const limit = query.limit ?? 100;
    const relooks = new Backoff({ initialMs: 2, maxMs: 128, jitter: 0 });
    await this.waiter.ready();
    for (;;) {
      const seen = this.waiter.seen;
      const { entries, heldBack } = await this.feeds.readPage(subscription.id, after, limit);
      if (entries.length > 0 || Date.now() >= deadline || signal.aborted) {
        const events = entries
          .filter(
            (entry) =>
              isRecallEvent(entry.event) ||
              // A notice is about an alert: served while the reader may still read the alert.
              (isNoticeEvent(entry.event)
                ? mayStillRead(caller, entry.current, null)
                : mayStillRead(caller, entry.event.data, entry.current)),
          )
          .map((entry) => entry.event);
        if (events.length > 0) {
          // Fail closed, and one statement for the whole page.
          await this.trail.append([
            {
              ...this.audit(caller, 'feed.read', subscription.id),
              recordIds: events.map((event) => event.subject),
              eventIds: events.map((event) => event.id),
            },
          ]);
        }
        const last = entries[entries.length - 1];
        return { events, nextCursor: last ? encodeFeedCursor(last.position) : (query.after ?? null) };
      }
      // Entries committed but held back behind an older transaction: their wake-up was already
      // sent, so look again shortly, a few times, before waiting for the next one.
      if (heldBack && relooks.failures < HELD_BACK_RELOOKS) {
        await sleep(Math.max(0, Math.min(relooks.next(), deadline - Date.now())), undefined, {
          signal,
        }).catch(() => undefined);
        continue;
      }
      const woken = await this.waiter.next(subscription.id, signal, seen, { until: deadline, heldBack });
      // The wait ended with nothing new: the page is still empty, no need to read it again.
      if (!woken) return { events: [], nextCursor: query.after ?? null };
    }
  }

  /** Each webhook delivery of the subscription, newest first, with every attempt (status, code, latency). */
  async deliveryLog(
    caller: CallerOrganization,
    id: string,
    query: { before?: string; limit?: number; status?: DeliveryView['status'] },
  ): Promise<{ deliveries: DeliveryView[]; nextCursor: string | null }> {
    await this.owned(caller, id);
    return this.deliveries.listDeliveries(id, {
      limit: query.limit ?? 50,
      before: query.before,
      status: query.status,
    });
  }

  /** Sends one delivery again, whatever became of it, with a fresh retry schedule. */
  async retryDelivery(
    caller: CallerOrganization,
    id: string,
    deliveryId: string,
  ): Promise<{ id: string; status: 'pending' }> {
    await this.owned(caller, id);
    const outcome = await this.deliveries.requeue(id, deliveryId, {
      ...this.audit(caller, 'delivery.retried', id),
      resourceType: 'delivery',
      resourceId: deliveryId,
      detail: { subscriptionId: id },
    });
    if (outcome === 'not-found') throw ProblemException.notFound('No such delivery for this subscription.');
    if (outcome === 'in-flight') throw ProblemException.conflict('The delivery is being sent right now.');
    if (outcome === 'already-delivered')
      throw ProblemException.conflict('The delivery was already acknowledged by the endpoint.');
    return { id: deliveryId, status: 'pending' };
  }

  private audit(
    caller: CallerOrganization,
    action: AuditAction,
    subscriptionId: string,
    detail: Record<string, unknown> = {},
  ): AuditEntry {
    return {
      action,
      actor: organizationActor(caller),
      ...requestTrace(caller),
      resourceType: 'subscription',
      resourceId: subscriptionId,
      detail,
    };
  }

  private async owned(caller: CallerOrganization, id: string): Promise<SubscriptionRow> {
    const row = await this.store.findOwned(caller.id, id);
    if (!row) throw ProblemException.notFound();
    return row;
  }

  private async checkedUrl(url: string): Promise<string> {
    try {
      await assertDeliverableUrl(url, this.targets);
      return url;
    } catch (error) {
      if (error instanceof WebhookTargetRefused) {
        throw ProblemException.invalidRequest([problemField('delivery.url', error.message)]);
      }
      throw error;
    }
  }
}
