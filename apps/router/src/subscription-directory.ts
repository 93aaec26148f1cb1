import { Injectable, Logger } from '@nestjs/common';
import { isRegionCode } from '@hub/contracts';
import { SubscriptionIndex, type ReaderProfile } from '@hub/matching';
import { type SubscriptionChange, SubscriptionStore } from '@hub/persistence';
import type { EntityManager } from 'typeorm';

export interface RoutedSubscription {
  id: string;
  subscriber: ReaderProfile;
  webhook: boolean;
}

/**
 * The router's in-memory view of every live subscription: the matching index
 * plus what delivery needs. `refresh()` applies the changes committed since the
 * last call; the router calls it before each batch, so a change made through the
 * API applies to the next event in every router instance.
 */
@Injectable()
export class SubscriptionDirectory {
  private readonly logger = new Logger(SubscriptionDirectory.name);
  readonly index = new SubscriptionIndex();
  private readonly subscriptions = new Map<string, RoutedSubscription>();
  private watermark = '0';
  /** The refresh running or last run: the next one starts after it. */
  private refreshing: Promise<unknown> = Promise.resolve();

  constructor(private readonly store: SubscriptionStore) {}

  get size(): number {
    return this.subscriptions.size;
  }

  get(id: string): RoutedSubscription | undefined {
    return this.subscriptions.get(id);
  }

  /**
   * Applies the changes committed since the last refresh, read through `manager` (a routing
   * step's transaction) when given. Calls run one after the other, each from where the previous
   * one ended: batches routed side by side never apply an older read over a newer one.
   */
  refresh(manager?: EntityManager): Promise<number> {
    const next = this.refreshing.then(() => this.readChanges(manager));
    this.refreshing = next.catch(() => undefined);
    return next;
  }

  private async readChanges(manager: EntityManager | undefined): Promise<number> {
    const { changes, watermark } = await this.store.changesSince(this.watermark, manager);
    for (const change of changes) this.apply(change);
    // Transaction ids only grow; a read that ends lower would only read again what it read.
    if (BigInt(watermark) > BigInt(this.watermark)) this.watermark = watermark;
    return changes.length;
  }

  private apply(change: SubscriptionChange): void {
    // A suspended organization's subscriptions come back, as they were, when it is reinstated.
    if (change.status === 'deleted' || change.subscriberSuspended) {
      this.index.remove(change.id);
      this.subscriptions.delete(change.id);
      return;
    }
    const subscriber: ReaderProfile = {
      code: change.organizationCode,
      kind: change.subscriberKind,
      ...(change.subscriberCountry ? { country: change.subscriberCountry } : {}),
      ...(change.subscriberRegion && isRegionCode(change.subscriberRegion)
        ? { region: change.subscriberRegion }
        : {}),
      operations: change.subscriberOperations,
    };
    // Paused webhook subscriptions keep matching: their deliveries wait and go out when resumed.
    this.index.upsert({ id: change.id, subscriber, filter: change.filter });
    this.subscriptions.set(change.id, {
      id: change.id,
      subscriber,
      webhook: change.deliveryType === 'webhook',
    });
    this.logger.debug?.({ msg: 'subscription indexed', subscription: change.id });
  }
}
