import { Logger } from '@nestjs/common';
import type { ClaimedDelivery, DeliveryOutcomes } from '@hub/persistence';
import type { DeliveryMetrics } from './delivery-metrics';

export type PauseCause = 'gone' | 'dead-letters';

/** Pauses a delivery's subscription (410 Gone, a run of dead letters), counted and logged once. */
export class SubscriptionPauser {
  private readonly logger = new Logger(SubscriptionPauser.name);

  constructor(
    private readonly outcomes: DeliveryOutcomes,
    private readonly metrics: DeliveryMetrics,
  ) {}

  async pause(delivery: ClaimedDelivery, reason: string, cause: PauseCause): Promise<void> {
    if (await this.outcomes.pauseSubscription(delivery.subscriptionId, reason)) {
      this.metrics.pauses.inc({ cause });
      this.logger.warn({ msg: 'subscription paused', subscriptionId: delivery.subscriptionId, reason });
    }
  }
}
