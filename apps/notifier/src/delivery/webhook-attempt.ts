import { Logger } from '@nestjs/common';
import { performance } from 'node:perf_hooks';
import type { ClaimedDelivery } from '@hub/persistence';
import {
  assertDeliverableUrl,
  CLOUDEVENTS_JSON,
  type WebhookTargetPolicy,
  WebhookTransport,
} from '@hub/webhooks';
import {
  type AttemptResult,
  attemptFailure,
  describeDelivery,
  outcomeOf,
  statusFailure,
} from './delivery-policy';
import type { SignerCache } from './signer-cache';

const USER_AGENT = 'CosmoHub-Webhooks/1.0';

export interface WebhookAttemptOptions {
  /** Checked again before every send: a subscription stored under a laxer policy is still refused. */
  targets: WebhookTargetPolicy;
  timeoutMs: number;
}

/**
 * One webhook attempt: the target guard, a fresh Standard Webhooks signature with the event id
 * as `webhook-id`, one POST of the CloudEvent (structured mode), and what came of it. Never
 * throws: every failure is an AttemptResult. Knows nothing of queues, timers or the store.
 */
export class WebhookAttempt {
  private readonly logger = new Logger(WebhookAttempt.name);
  private readonly transport: WebhookTransport;

  constructor(
    private readonly signers: SignerCache,
    private readonly options: WebhookAttemptOptions,
  ) {
    this.transport = new WebhookTransport({ allowPrivateTargets: options.targets.allowPrivateTargets });
  }

  async run(delivery: ClaimedDelivery): Promise<AttemptResult> {
    const startedAt = new Date();
    const started = performance.now();
    const elapsed = (): number => performance.now() - started;
    try {
      const statusCode = await this.post(delivery);
      const outcome = outcomeOf(statusCode);
      const error = outcome === 'delivered' ? null : statusFailure(statusCode);
      return { startedAt, latencyMs: elapsed(), outcome, statusCode, error };
    } catch (thrown) {
      const failure = attemptFailure(thrown);
      this.raiseAlarm(delivery, failure.alarm, thrown);
      return {
        startedAt,
        latencyMs: elapsed(),
        outcome: failure.outcome,
        statusCode: null,
        error: failure.error,
      };
    }
  }

  /** Closes the transport's connections (at shutdown, after the last attempt). */
  close(): void {
    this.transport.close();
  }

  private async post(delivery: ClaimedDelivery): Promise<number> {
    await assertDeliverableUrl(delivery.webhookUrl, this.options.targets);
    const body = JSON.stringify(delivery.event);
    const signer = this.signers.signerFor(delivery.subscriptionId, delivery.secretCiphertext);
    const signature = signer.sign({ id: delivery.eventId, timestamp: new Date(), body });
    return this.transport.post({
      url: delivery.webhookUrl,
      headers: { 'content-type': CLOUDEVENTS_JSON, 'user-agent': USER_AGENT, ...signature },
      body,
      timeoutMs: this.options.timeoutMs,
    });
  }

  private raiseAlarm(
    delivery: ClaimedDelivery,
    alarm: 'refused-target' | 'unreadable-secret' | null,
    thrown: unknown,
  ): void {
    if (alarm === 'refused-target') {
      const { reason, address } = thrown as { reason: string; address?: string };
      this.logger.warn({ msg: 'webhook target refused', ...describeDelivery(delivery), reason, address });
    } else if (alarm === 'unreadable-secret') {
      this.logger.error({
        msg: 'cannot open the signing secret (HUB_SECRET_KEY changed without HUB_SECRET_KEY_PREVIOUS, or sealed for another subscription)',
        ...describeDelivery(delivery),
      });
    }
  }
}
