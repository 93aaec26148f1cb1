// Handling rules and the subscription index: pure TypeScript over '@hub/contracts'.
export { mayRead, readScope, type ReadScope, type ReaderProfile, type RecordAudience } from './handling.rule';
export {
  exclusionFaults,
  namedOrganizations,
  unregisteredFaults,
  type NamedAudience,
} from './audience-naming.rule';
export { eventFactsOf, type EventFacts } from './event.facts';
export { mayStillRead } from './recall.rule';
export { filterAccepts, type FilterCriteria } from './subscription-filter.rule';
export { SubscriptionIndex, type IndexedSubscription } from './subscription.index';
export { regionalStreamRegions } from './regional-stream.rule';
export {
  planStreamAccess,
  readableRegionalStreams,
  type StreamAccessDecision,
  type StreamAccessPlan,
  type StreamAcl,
} from './stream-access.rule';
export {
  alertAddressees,
  alertRouteOf,
  type AlertRoute,
  escalationDecision,
  feedbackView,
  noticeFilterAccepts,
  type EscalationDecision,
} from './feedback.rule';
