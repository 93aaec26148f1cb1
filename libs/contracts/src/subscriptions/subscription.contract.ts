// Decorators below read design-time types; the polyfill must load before any class is defined.
import 'reflect-metadata';
import { derivePatchClass } from '../records/derived-class.factory';
import { LIMITS } from '../records/record.limits';
import { IsReplayStart, Nested, Optional, Text } from '../validation/field.validators';
import { deliveryShapeOf, type SubscriptionDelivery } from './subscription-delivery.contract';
import { SubscriptionFilter } from './subscription-filter.contract';

/** A subscription as an organization creates it (POST /v1/subscriptions); the owner is the caller. */
export class NewSubscription {
  /** The subscriber's own label, shown in listings. */
  @Text(LIMITS.subscriptionName)
  name!: string;

  @Nested(() => SubscriptionFilter)
  filter!: SubscriptionFilter;

  @Nested(deliveryShapeOf)
  delivery!: SubscriptionDelivery;

  /**
   * Also deliver the records published before the subscription that it would have matched: an
   * RFC 3339 time, or the `nextCursor` of one of the subscriber's feeds (from when that entry was
   * written). Bounded in age and count by the hub; left out, only events after the creation come.
   */
  @Optional()
  @IsReplayStart()
  replayFrom?: string;
}

/**
 * A PATCH body: any of `name`, `filter`, `delivery`, each replacing the current value whole. A new
 * `filter` replaces the old one (fields it leaves out become "any"), never merges into it, so what
 * a subscription matches is always exactly one filter the subscriber wrote. `delivery` may switch
 * between pull and webhook. None of them can be removed (null is refused), and at least one must
 * be given.
 */
export type SubscriptionUpdate = Partial<Omit<NewSubscription, 'replayFrom'>>;
export const SubscriptionUpdate = derivePatchClass<SubscriptionUpdate>('SubscriptionUpdate', {
  from: NewSubscription,
  // A replay happens once, at creation.
  omit: ['replayFrom'],
});
