import { Inject, Injectable, Logger } from '@nestjs/common';
import { escalationDecision, noticeFilterAccepts } from '@hub/matching';
import { EscalationStore, escalationPlan, SessionLease } from '@hub/persistence';
import { Backoff, type BackgroundWorker, type HealthState, HubMetrics, WakeLoop } from '@hub/platform';
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
export class EscalationScanner implements BackgroundWorker {
  readonly name = 'escalation';
  private readonly logger = new Logger(EscalationScanner.name);
  private readonly lease: SessionLease;
  private readonly loop: WakeLoop;

  constructor(store: EscalationStore, @Inject(RelayConfig) config: RelayConfig, metrics: HubMetrics) {
    this.lease = new SessionLease(config.DATABASE_URL, {
      key: ESCALATION_LOCK_KEY,
      applicationName: 'cosmo-hub-escalation-lease',
    });
    const escalated = metrics.counter(
      'hub_alerts_escalated_total',
      'Alerts escalated to their originator and RILOs',
    );
    this.loop = new WakeLoop({
      round: async () => {
        if (!(await this.lease.tryAcquire())) return { progressed: false };
        const due = await store.due(SCAN_BATCH);
        for (const alertId of due) {
          const now = new Date();
          const emitted = await store.escalate(
            alertId,
            (facts) =>
              escalationPlan(
                facts,
                escalationDecision({ alert: facts.alert, addressees: facts.addressees, rilos: facts.rilos }),
                {
                  hubPublicUrl: config.HUB_PUBLIC_URL,
                  accepts: (filter) => noticeFilterAccepts(filter, 'escalation', facts.alert),
                  now,
                },
              ),
            now,
          );
          if (emitted) escalated.inc();
        }
        return { progressed: due.length === SCAN_BATCH };
      },
      pollIntervalMs: config.ESCALATION_SCAN_INTERVAL_MS,
      backoff: new Backoff({ initialMs: 500, maxMs: 30_000 }),
      onFailure: async (error, retryInMs) => {
        this.logger.warn({
          msg: 'the escalation scan failed; will retry',
          err: error instanceof Error ? error.message : String(error),
          retryInMs,
        });
        await this.lease.release();
      },
    });
  }

  onApplicationBootstrap(): void {
    this.loop.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.loop.stop();
    await this.lease.release();
  }

  check(): Promise<HealthState> {
    const failure = this.loop.lastFailure;
    const role = this.lease.isHeld ? 'scanning' : 'standby';
    return Promise.resolve({
      up: failure === null,
      detail: failure ? `${role}; last error: ${failure}` : role,
    });
  }
}
