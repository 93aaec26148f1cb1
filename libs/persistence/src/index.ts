export * from './data-source';
export * from './database-health.indicator';
export * from './entities/api-key.entity';
export * from './entities/intelligence-record.entity';
export * from './entities/organization.entity';
export * from './entities/outbox-event.entity';
export * from './entities/record-version.entity';
export * from './entities/stream-credential.entity';
export * from './organizations/api-key';
export * from './organizations/organization-directory';
export * from './outbox/outbox-reader';
export * from './outbox/outbox-wakeup';
export * from './notification-listener';
export * from './notify-channels';
export * from './persistence.module';
export * from './records/record-ledger';
export * from './records/published-record';
export * from './records/record-listing';
export * from './outbox/outbox-lease';
export * from './leases/session-lease';
export * from './outbox/outbox-shards';
export * from './feeds/feed-store';
export * from './subscriptions/subscription-store';
export * from './deliveries/delivery-claims';
export * from './deliveries/delivery-log';
export * from './deliveries/delivery-outcomes';
export type {
  ClaimedDelivery,
  DeliveryAttemptOutcome,
  DeliveryAttemptRecord,
  DeliveryAttemptView,
  DeliveryBacklog,
  DeliveryClaim,
  DeliveryLease,
  DeliveryPage,
  DeliveryStatus,
  DeliveryCancelReason,
  DeliveryView,
  RequeueOutcome,
} from './deliveries/delivery-rows';
export { DELIVERY_STATUSES, DELIVERY_CANCEL_REASONS } from './deliveries/delivery-rows';
export * from './audit/audit-trail';
export * from './audit/audit-chain';
export * from './service-role';
export * from './retention/retention-sweep';
export * from './stream-credentials/stream-credential-registry';
export * from './operators/operator-roster';
export * from './operations/operation-registry';
export * from './feedback/alert-feedback-store';
export * from './feedback/escalation-store';
export * from './statements';
