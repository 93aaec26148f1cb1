import { Logger } from '@nestjs/common';
import { performance } from 'node:perf_hooks';
import {
  type ClaimedDelivery,
  DELIVERY_CHANNEL,
  type DeliveryClaims,
  NotificationListener,
} from '@hub/persistence';
import { Backoff, type RoundOutcome, WakeLoop } from '@hub/platform';
import { claimAfterDelivery } from './delivery-policy';

/** A lease outlives the longest attempt, so a crashed notifier's deliveries are taken over soon after. */
const LEASE_MARGIN_MS = 30_000;
/**
 * A claim (one query over every subscription's head, whatever its limit) leases the chains of up to
 * this many times maxInFlight subscriptions, in flight and waiting: finished chains are followed at
 * once by waiting ones, and one claim serves many instead of a few.
 */
const CLAIM_AHEAD = 4;
/**
 * A subscription's deliveries leased by one claim at most (its chain, sent one after the other):
 * a busy subscription's next deliveries follow each other without a claim each.
 */
export const CHAIN_DEPTH = 8;
/** After a delivery finishes with few claimed ahead and few slots free, the next claim gathers this long. */
const CLAIM_GATHER_MS = 5;
/** A claimed delivery not yet sent after this long is given back: its lease must outlast the attempt. */
const MAX_WAIT_MS = LEASE_MARGIN_MS / 2;
/**
 * Due deliveries held back by running transactions are looked for again after this, doubling up to
 * the poll: what holds them back is mostly another transaction's commit, over within a WAL flush or two.
 */
const HELD_BACK_RETRY_MS = 2;

export interface DeliveryQueueOptions {
  databaseUrl: string;
  /** Deliveries being sent at once, at most (WEBHOOK_MAX_IN_FLIGHT). */
  maxInFlight: number;
  pollIntervalMs: number;
  /** The longest an attempt may take: leases outlast it. */
  attemptTimeoutMs: number;
}

/**
 * Sends one claimed delivery; calls `sent` once the receiver has answered, so that its slot may go
 * to the next delivery while the outcome is recorded. Resolves once the outcome is committed: true
 * when the delivery is done with (delivered or withdrawn) and its subscription's next may follow,
 * false when it stays pending (a retry, a pause, a lease lost) or ended otherwise.
 */
export type DeliveryJob = (delivery: ClaimedDelivery, sent: () => void) => Promise<boolean>;

/** One subscription's claimed deliveries not yet sent, in order: sent one at a time. */
interface Chain {
  deliveries: ClaimedDelivery[];
  claimedAt: number;
  /** Claimed at CHAIN_DEPTH: the subscription may have more pending after it. */
  full: boolean;
}

/**
 * The queue of webhook deliveries: claims (leases) due deliveries ahead of free slots, for each
 * subscription a chain of its next ones (DeliveryClaims keeps each subscription's order), runs
 * the chains up to maxInFlight at once, each one delivery after the other, and gives back what
 * waited too long. A chain goes on only while its deliveries are done with: after a failed
 * attempt the rest is given back, to be claimed after the retry. Claims run in one WakeLoop,
 * woken by the router's NOTIFY, a poll, quick re-looks while due deliveries are held back by
 * running transactions, and a finished chain when that can have made something claimable: it
 * failed, it was cut at CHAIN_DEPTH, or the last claim left deliveries behind (waiting behind a
 * leased head, or beyond its limit). Otherwise a finished delivery claims nothing: at a steady
 * pace that halves the claims.
 */
export class DeliveryQueue {
  private readonly logger = new Logger(DeliveryQueue.name);
  private readonly loop: WakeLoop;
  private readonly listener: NotificationListener;
  /** Every claimed delivery started and not yet finished: being sent, or its outcome being recorded. */
  private readonly started = new Map<string, Promise<void>>();
  /** Chains leased by a claim, waiting for a free slot for their next delivery, oldest due first. */
  private readonly waiting: Chain[] = [];
  /** Of the started, being sent now: a slot each. */
  private sending = 0;
  /**
   * The last claim left deliveries unclaimed that a finished one may let through: pending behind a
   * leased head, or due beyond the claim's limit. Finishing a delivery then claims again.
   */
  private leftBehind = true;
  /** Deliveries whose outcome is recorded, counted: did one finish while a claim ran? */
  private finished = 0;
  private stopped = false;

  constructor(
    private readonly claims: DeliveryClaims,
    private readonly deliver: DeliveryJob,
    private readonly options: DeliveryQueueOptions,
  ) {
    this.loop = new WakeLoop({
      round: () => this.claim(),
      pollIntervalMs: options.pollIntervalMs,
      heldBackMs: { initialMs: HELD_BACK_RETRY_MS, maxMs: options.pollIntervalMs },
      backoff: new Backoff({
        initialMs: Math.min(50, options.pollIntervalMs),
        maxMs: options.pollIntervalMs,
      }),
    });
    this.listener = new NotificationListener(
      options.databaseUrl,
      DELIVERY_CHANNEL,
      () => this.loop.wake(),
      (error) =>
        this.logger.warn({ msg: 'deliveries LISTEN connection lost; reconnecting', err: error.message }),
    );
  }

  /** For health: deliveries being sent, whether NOTIFY is heard, the last claim failure (null once claims work). */
  get state(): { sending: number; listening: boolean; claimFailure: string | null } {
    return { sending: this.sending, listening: this.listener.listening, claimFailure: this.loop.lastFailure };
  }

  async start(): Promise<void> {
    await this.listener.start();
    this.loop.start();
  }

  /** Stops claiming, lets started deliveries finish and record their outcome, gives back the waiting. */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.loop.stop();
    // Attempts end within attemptTimeoutMs; their outcome is recorded before the pool closes.
    await Promise.allSettled([...this.started.values()]);
    await this.giveBack(this.waiting.splice(0).flatMap((chain) => chain.deliveries));
    await this.listener.stop();
  }

  /** One round: claims while there is room, until a claim finds fewer than it asked for. */
  private async claim(): Promise<RoundOutcome> {
    const outcome = { heldBack: false, progressed: false };
    const finishedBefore = this.finished;
    // The loop keeps the last failure until a round succeeds: an outage is logged once, and its end.
    let failing = this.loop.lastFailure;
    for (;;) {
      this.startWaiting();
      const room = this.options.maxInFlight - this.sending;
      const limit = this.options.maxInFlight * CLAIM_AHEAD - this.started.size - this.waiting.length;
      if (this.stopped || room <= 0 || limit <= 0) return outcome;
      const claim = await this.claims
        .claim(limit, this.options.attemptTimeoutMs + LEASE_MARGIN_MS, CHAIN_DEPTH)
        .catch((error: unknown) => this.claimFailed(error, failing));
      if (failing !== null) this.logger.log({ msg: 'claiming deliveries works again' });
      failing = null;
      const chains = chainsOf(claim.claimed, performance.now());
      this.waiting.push(...chains);
      this.leftBehind = claim.behindLease || chains.length >= limit;
      outcome.heldBack ||= claim.heldBack;
      outcome.progressed ||= chains.length > 0;
      if (chains.length < limit) {
        this.startWaiting();
        // A delivery finished while this claim ran decided on the flag before it: look once more.
        if (this.leftBehind && this.finished !== finishedBefore) this.loop.wake();
        return outcome;
      }
    }
  }

  /** Logs a failed claim unless it is the one already logged, and fails the round: the loop backs off. */
  private claimFailed(error: unknown, logged: string | null): never {
    const message = error instanceof Error ? error.message : String(error);
    if (message !== logged)
      this.logger.warn({ msg: 'claiming deliveries failed; will retry shortly', err: message });
    throw error;
  }

  /** Fills free slots with the next delivery of waiting chains; a chain claimed too long ago is given back instead. */
  private startWaiting(): void {
    const stale: ClaimedDelivery[] = [];
    while (!this.stopped && this.sending < this.options.maxInFlight) {
      const next = this.waiting.shift();
      if (!next) break;
      if (performance.now() - next.claimedAt > MAX_WAIT_MS) stale.push(...next.deliveries);
      else this.send(next);
    }
    if (stale.length > 0) void this.giveBack(stale);
  }

  private async giveBack(deliveries: ClaimedDelivery[]): Promise<void> {
    if (deliveries.length === 0) return;
    // Not given back (the database is away): the leases simply run out and the deliveries are claimed again.
    await this.claims.release(deliveries).catch((error: unknown) =>
      this.logger.warn({
        msg: 'giving back claimed deliveries failed; they are claimed again when their leases end',
        deliveries: deliveries.length,
        err: error instanceof Error ? error.message : String(error),
      }),
    );
  }

  /**
   * Sends the chain's first delivery in a slot, freed once the receiver has answered. Once its
   * outcome is committed, the rest of the chain waits again, first in line, if the delivery is
   * done with; else (or at stop) the rest is given back, to be claimed in order later.
   */
  private send(chain: Chain): void {
    const [delivery, ...rest] = chain.deliveries;
    this.sending += 1;
    let sending = true;
    const sent = (): void => {
      if (!sending) return;
      sending = false;
      this.sending -= 1;
      this.startWaiting();
    };
    const task = this.deliver(delivery, sent)
      .catch((error: unknown) => {
        // The lease runs out and the delivery is tried again: at least once, never lost.
        this.logger.error({
          msg: 'recording a delivery outcome failed; it will be retried when its lease ends',
          deliveryId: delivery.id,
          subscriptionId: delivery.subscriptionId,
          err: error instanceof Error ? error.message : String(error),
        });
        return false;
      })
      .then(async (done) => {
        sent();
        this.started.delete(delivery.id);
        this.finished += 1;
        if (rest.length > 0 && done && !this.stopped) {
          this.waiting.unshift({ ...chain, deliveries: rest });
          this.startWaiting();
          return;
        }
        await this.giveBack(rest);
        // Its subscription's next deliveries may be claimable now.
        this.claimAfterDelivery(done, chain.full);
      });
    this.started.set(delivery.id, task);
  }

  private claimAfterDelivery(done: boolean, fullChain: boolean): void {
    this.startWaiting();
    const next = claimAfterDelivery({
      waiting: this.waiting.length,
      sending: this.sending,
      maxInFlight: this.options.maxInFlight,
      done,
      fullChain,
      leftBehind: this.leftBehind,
    });
    if (next === 'now') this.loop.wake();
    else if (next === 'gather') this.loop.wakeWithin(CLAIM_GATHER_MS);
  }
}

/** The claimed deliveries as chains, one per subscription, each in its claimed (feed) order. */
function chainsOf(claimed: readonly ClaimedDelivery[], claimedAt: number): Chain[] {
  const bySubscription = new Map<string, ClaimedDelivery[]>();
  for (const delivery of claimed) {
    const deliveries = bySubscription.get(delivery.subscriptionId);
    if (deliveries) deliveries.push(delivery);
    else bySubscription.set(delivery.subscriptionId, [delivery]);
  }
  return [...bySubscription.values()].map((deliveries) => ({
    deliveries,
    claimedAt,
    full: deliveries.length >= CHAIN_DEPTH,
  }));
}
