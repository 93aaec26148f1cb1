// Decorators below read design-time types; the polyfill must load before any class is defined.
import 'reflect-metadata';
import type { TypeHelpOptions } from 'class-transformer';
import { Allow, IsIn } from 'class-validator';
import { IsWebhookUrl } from '../validation/field.validators';

export const DELIVERY_TYPES = ['pull', 'webhook'] as const;
export type DeliveryType = (typeof DELIVERY_TYPES)[number];

/** The subscriber reads its feed (GET /v1/subscriptions/{id}/events), at its own pace. */
export class PullDelivery {
  @IsIn(['pull'])
  type!: 'pull';
}

/**
 * The hub POSTs each matching event to `url`, signed (Standard Webhooks). The URL is checked here
 * for form only; whether its host may be called (no private or loopback targets) is decided
 * where it is resolved, at registration and again at delivery.
 */
export class WebhookDelivery {
  @IsIn(['webhook'])
  type!: 'webhook';

  @IsWebhookUrl()
  url!: string;
}

/** How matching events reach the subscriber, tagged by `type`. */
export type SubscriptionDelivery = PullDelivery | WebhookDelivery;

/**
 * Stands in for a delivery whose `type` is missing or unknown, so that only `type` is reported:
 * `url` means nothing until the type is known. Never valid, never in a schema.
 */
class UnknownDelivery {
  @IsIn(DELIVERY_TYPES)
  type!: string;

  @Allow()
  url?: unknown;
}

const DELIVERY_SHAPES: Readonly<Record<DeliveryType, new () => object>> = {
  pull: PullDelivery,
  webhook: WebhookDelivery,
};

/** The class a plain delivery value is validated as, picked by its `type` (for Nested / @Type). */
export function deliveryShapeOf(options?: TypeHelpOptions): new () => object {
  const value: unknown = options ? (options.object as Record<string, unknown>)[options.property] : undefined;
  const type = typeof value === 'object' && value !== null ? (value as { type?: unknown }).type : undefined;
  return typeof type === 'string' && Object.prototype.hasOwnProperty.call(DELIVERY_SHAPES, type)
    ? DELIVERY_SHAPES[type as DeliveryType]
    : UnknownDelivery;
}
