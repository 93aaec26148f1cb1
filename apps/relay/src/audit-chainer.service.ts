import { Inject, Injectable } from '@nestjs/common';
import { AuditChain } from '@hub/persistence';
import { Backoff, HubMetrics, LoopWorker, type RoundOutcome } from '@hub/platform';
import { RelayConfig } from './relay.config';

/** Links per transaction: a backlog (the first run over an existing trail) goes in rounds of this size. */
const CHAIN_BATCH = 1000;

/**
 * Links committed audit entries into the hash chain (AuditChain), on a timer. The relay owns it
 * as it owns the outbox: a background service every deployment runs; two relays share the work
 * safely, since one chainer at a time holds the chain's lock and the other's round links nothing.
 */
@Injectable()
export class AuditChainer extends LoopWorker {
  readonly name = 'audit-chain';
  private readonly linked;

  constructor(
    private readonly chain: AuditChain,
    @Inject(RelayConfig) config: RelayConfig,
    metrics: HubMetrics,
  ) {
    super({
      pollIntervalMs: config.AUDIT_CHAIN_INTERVAL_MS,
      heldBackMs: { initialMs: 50, maxMs: config.AUDIT_CHAIN_INTERVAL_MS },
      backoff: new Backoff({ initialMs: 500, maxMs: 10_000 }),
      failureMessage: 'linking the audit chain failed; will retry',
      downOnFailure: true,
    });
    this.linked = metrics.counter('hub_audit_chain_linked_total', 'Audit entries linked into the hash chain');
  }

  protected override async round(): Promise<RoundOutcome> {
    let total = 0;
    for (;;) {
      const round = await this.chain.extend(CHAIN_BATCH);
      total += round.linked;
      this.linked.inc(round.linked);
      if (round.linked < CHAIN_BATCH) return { progressed: total > 0, heldBack: round.heldBack };
    }
  }

  protected override activity(): string {
    return 'linking';
  }
}
