import { Inject, Injectable } from '@nestjs/common';
import { escalationDecision, noticeFilterAccepts } from '@hub/matching';
import { EscalationStore, escalationPlan, SessionLease } from '@hub/persistence';
import { Backoff, HubMetrics, LoopWorker, type RoundOutcome } from '@hub/platform';
import { RelayConfig } from './relay.config';

/** The escalation scan's own session lock ('hubescal'), beside the relay's: one scanner at a time. */
const ESCALATION_LOCK_KEY = 7316002;
/** Alerts examined per round at most; a backlog is worked off over several rounds. */
const SCAN_BATCH = 100;

/**
 * Escalates alerts whose acknowledgement deadline ran out with addressees still silent: one
 * `alert.unacknowledged` event to the originator and the RILOs of the silent addressees' regions.
 * One instance scans at a time (a session lock, as the relay's lease); each alert is examined once
 * (its alert_escalations row is written with the event), so restarts and takeovers never repeat one.
 */
@Injectable()
export class EscalationScanner extends LoopWorker {
  readonly name = 'escalation';
  private readonly lease: SessionLease;
  private readonly escalated;

  constructor(
    private readonly store: EscalationStore,
    @Inject(RelayConfig) private readonly config: RelayConfig,
    metrics: HubMetrics,
  ) {
    super({
      pollIntervalMs: config.ESCALATION_SCAN_INTERVAL_MS,
      backoff: new Backoff({ initialMs: 500, maxMs: 30_000 }),
      failureMessage: 'the escalation scan failed; will retry',
      downOnFailure: true,
    });
    this.lease = new SessionLease(config.DATABASE_URL, {
      key: ESCALATION_LOCK_KEY,
      applicationName: 'cosmo-hub-escalation-lease',
    });
    this.escalated = metrics.counter(
      'hub_alerts_escalated_total',
      'Alerts escalated to their originator and RILOs',
    );
  }

  protected override async round(): Promise<RoundOutcome> {
    if (!(await this.lease.tryAcquire())) return { progressed: false };
    const due = await this.store.due(SCAN_BATCH);
    for (const alertId of due) {
      const now = new Date();
      const emitted = await this.store.escalate(
        alertId,
        (facts) =>
          escalationPlan(
            facts,
            escalationDecision({ alert: facts.alert, addressees: facts.addressees, rilos: facts.rilos }),
            {
              hubPublicUrl: this.config.HUB_PUBLIC_URL,
              accepts: (filter) => noticeFilterAccepts(filter, 'escalation', facts.alert),
              now,
            },
          ),
        now,
      );
      if (emitted) this.escalated.inc();
    }
    return { progressed: due.length === SCAN_BATCH };
  }

  /** The lock is given up after a failure: another relay may scan meanwhile. */
  protected override async afterFailure(): Promise<void> {
    await this.lease.release();
  }

  protected override activity(): string {
    return this.lease.isHeld ? 'scanning' : 'standby';
  }

  override async onApplicationShutdown(): Promise<void> {
    await super.onApplicationShutdown();
    await this.lease.release();
  }
}
