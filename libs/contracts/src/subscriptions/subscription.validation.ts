import { requireSomeField, validateAgainst, type ValidationResult } from '../validation/shape.validation';
import { NewSubscription, SubscriptionUpdate } from './subscription.contract';

/**
 * Validates a new subscription (POST body). On success `value` is a fresh plain JSON copy of the
 * input, nothing coerced or dropped; on failure every bad field is listed with its path, e.g.
 * `filter.hsPrefixes[1]` or `delivery.url`. Unknown fields are refused at every depth.
 */
export function validateNewSubscription(body: unknown): ValidationResult<NewSubscription> {
  return validateAgainst<NewSubscription>(NewSubscription, body);
}

/** Validates a PATCH body (see SubscriptionUpdate for what each field does). */
export function validateSubscriptionUpdate(body: unknown): ValidationResult<SubscriptionUpdate> {
  return requireSomeField(validateAgainst<SubscriptionUpdate>(SubscriptionUpdate, body));
}

/** The subscription after a validated update: each given field replaces the current one whole. */
export function applySubscriptionUpdate(
  current: NewSubscription,
  update: SubscriptionUpdate,
): NewSubscription {
  return {
    name: update.name ?? current.name,
    filter: update.filter ?? current.filter,
    delivery: update.delivery ?? current.delivery,
  };
}
