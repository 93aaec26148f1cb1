import { Inject, Injectable, Logger } from '@nestjs/common';
import { AuditChain } from '@hub/persistence';
import { Backoff, type BackgroundWorker, type HealthState, HubMetrics, WakeLoop } from '@hub/platform';
import { RelayConfig } from './relay.config';

/** Links per transaction: a backlog (the first run over an existing trail) goes in rounds of this size. */
const CHAIN_BATCH = 1000;

/**
 * Links committed audit entries into the hash chain (AuditChain), on a timer. The relay owns it
 * as it owns the outbox: a background service every deployment runs; two relays share the work
 * safely, since one chainer at a time holds the chain's lock and the other's round links nothing.
 */
@Injectable()
export class AuditChainer implements BackgroundWorker {
  readonly name = 'audit-chain';
  private readonly logger = new Logger(AuditChainer.name);
  private readonly loop: WakeLoop;

  constructor(chain: AuditChain, @Inject(RelayConfig) config: RelayConfig, metrics: HubMetrics) {
    const linked = metrics.counter(
      'hub_audit_chain_linked_total',
      'Audit entries linked into the hash chain',
    );
    this.loop = new WakeLoop({
      round: async () => {
        let total = 0;
        for (;;) {
          const round = await chain.extend(CHAIN_BATCH);
          total += round.linked;
          linked.inc(round.linked);
          if (round.linked < CHAIN_BATCH) return { progressed: total > 0, heldBack: round.heldBack };
        }
      },
      pollIntervalMs: config.AUDIT_CHAIN_INTERVAL_MS,
      heldBackMs: { initialMs: 50, maxMs: config.AUDIT_CHAIN_INTERVAL_MS },
      backoff: new Backoff({ initialMs: 500, maxMs: 10_000 }),
      onFailure: (error, retryInMs) =>
        this.logger.warn({
          msg: 'linking the audit chain failed; will retry',
          err: error instanceof Error ? error.message : String(error),
          retryInMs,
        }),
    });
  }

  onApplicationBootstrap(): void {
    this.loop.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.loop.stop();
  }

  check(): Promise<HealthState> {
    const failure = this.loop.lastFailure;
    return Promise.resolve({ up: failure === null, detail: failure ? `last error: ${failure}` : 'linking' });
  }
}
