// The standard of Cosmo Hub, version 1: taxonomy, records, validation, routing facts, events, schemas.
// Import it as '@hub/contracts' only; everything public is re-exported here.

export { WCO_REGIONS, REGION_NAMES, isRegionCode, type RegionCode } from './taxonomy/wco-region.taxonomy';
export { MEMBER_COUNTRY_REGIONS, regionOfCountry } from './taxonomy/member-country.taxonomy';
export { ISO_COUNTRY_CODES, isIsoCountry } from './taxonomy/iso-country.taxonomy';
export { ISO_CURRENCY_CODES, isIsoCurrency } from './taxonomy/iso-currency.taxonomy';
export { ISO_LANGUAGE_CODES, isIsoLanguage } from './taxonomy/iso-language.taxonomy';
export { RILOS, type Rilo } from './taxonomy/rilo.taxonomy';
export { STRATEGIC_CATEGORIES, type StrategicCategory } from './taxonomy/strategic-category.taxonomy';
export {
  HS_CODE_PATTERN,
  HS_PREFIX_PATTERN,
  hsChapter,
  isValidHsCode,
  isValidHsPrefix,
} from './taxonomy/hs-code.taxonomy';

export {
  ALERT_KINDS,
  CONVEYANCES,
  DETECTION_METHODS,
  ENTITY_ROLES,
  HANDLING_CODES,
  IDENTIFIER_KINDS,
  LOCATION_TYPES,
  ORGANIZATION_CODE_INPUT_PATTERN,
  ORGANIZATION_CODE_PATTERN,
  normalizeOrganizationCode,
  ORGANIZATION_KINDS,
  RECORD_STATUSES,
  RECORD_TYPES,
  REFERENCE_PATTERN,
  SEVERITIES,
  type AlertKind,
  type Conveyance,
  type DetectionMethod,
  type EntityRole,
  type HandlingCode,
  type IdentifierKind,
  type LocationType,
  type OrganizationKind,
  type RecordStatus,
  type RecordType,
  type Severity,
  severityRank,
} from './records/record.enums';
export { LIMITS } from './records/record.limits';
export {
  Commodity,
  ConsignmentIdentifier,
  MonetaryAmount,
  Party,
  Quantity,
  Route,
  SeizedCommodity,
} from './records/consignment.records';
export { Alert } from './records/alert.record';
export { SeizureNotice } from './records/seizure-notice.record';
export { AlertUpdate, SeizureNoticeUpdate, type RecordPatch } from './records/record-update.record';
export {
  PublishedAlert,
  PublishedRecordFields,
  PublishedSeizureNotice,
  type PublishedRecord,
} from './records/published-record.record';
export {
  publishedAlert as examplePublishedAlert,
  publishedSeizure as examplePublishedSeizureNotice,
  validAlert as exampleAlert,
  validSeizure as exampleSeizureNotice,
} from './records/record.examples';
export { type FieldViolation, type ValidationResult } from './validation/shape.validation';
export {
  mergeRecordPatch,
  validatePatch,
  validatePublishedRecord,
  validateRecord,
  type RecordBody,
} from './records/record.validation';

export { SUBSCRIPTION_EVENT_KINDS, SubscriptionFilter } from './subscriptions/subscription-filter.contract';
export {
  DELIVERY_TYPES,
  PullDelivery,
  WebhookDelivery,
  type DeliveryType,
  type SubscriptionDelivery,
} from './subscriptions/subscription-delivery.contract';
export { NewSubscription, SubscriptionUpdate } from './subscriptions/subscription.contract';
export {
  applySubscriptionUpdate,
  validateNewSubscription,
  validateSubscriptionUpdate,
} from './subscriptions/subscription.validation';
export {
  IsDateTime,
  IsOrganizationCode,
  IsHsPrefix,
  Optional,
  PROSE_CHARACTERS,
  Prose,
  TEXT_CHARACTERS,
  Text,
  WEBHOOK_URL_PATTERN,
  isDateTime,
  webhookUrlFault,
} from './validation/field.validators';

export {
  concernedCountries,
  concernedRegions,
  routingFacts,
  type RecordConcernInput,
  type RoutingFacts,
} from './routing/record-audience.routing';

export {
  DELIVERY_DEAD_LETTER_HEADERS,
  EVENT_TYPES,
  HUB_EVENT_TYPES,
  HUB_RECALL_EVENT_TYPES,
  RECALL_EVENT_TYPES,
  ROUTER_DEAD_LETTER_HEADERS,
  RECORD_DATA_SCHEMAS,
  SCHEMA_PUBLICATION_PATH,
  organizationSource,
  recordDataSchema,
  recordTypeOfEvent,
  type HubEventType,
  type RecallEventType,
} from './events/hub-event.constants';
// Feedback and escalation (issue 16).
export {
  HUB_NOTICE_EVENT_TYPES,
  NOTICE_EVENT_TYPES,
  NOTICE_EVENT_TYPE_OF_KIND,
  NOTICE_KINDS,
  type NoticeEventType,
  type NoticeKind,
} from './events/hub-event.constants';
export {
  AlertFeedbackSubmission,
  FEEDBACK_COMMENT_LIMIT,
  FEEDBACK_TYPES,
  validateFeedback,
  type AlertAcknowledgementMeasures,
  type AlertEscalationNotice,
  type AlertFeedbackEntry,
  type AlertFeedbackNotice,
  type FeedbackType,
} from './feedback/alert-feedback.contract';
export {
  buildEscalationEvent,
  buildFeedbackEvent,
  hubSource,
  isNoticeEvent,
  type AlertEscalationEvent,
  type AlertFeedbackEvent,
  type HubNoticeEvent,
} from './feedback/alert-notice.event';
export { ISO_DURATION_PATTERN, isoDurationMs } from './feedback/iso-duration';
export {
  HubRecallEventAttributes,
  RecordRecall,
  assertValidRecallEvent,
  buildRecallEvent,
  isRecallEvent,
  recallEventId,
  type HubFeedEvent,
  type HubRecallEvent,
  type HubRegionalEvent,
} from './events/record-recall.event';
export {
  EXTENSION_ATTRIBUTES,
  EnvelopeError,
  buildCloudEvent,
  type BuildCloudEventParams,
  type EnvelopeErrorReason,
  type HubCloudEvent,
} from './events/hub-cloud-event.envelope';
export {
  CANONICAL_TOPIC_SPEC,
  DEAD_LETTER_TOPIC_SPECS,
  DEAD_LETTER_TOPICS,
  OPERATIONS_TOPIC,
  OPERATIONS_TOPIC_SPEC,
  REGIONAL_TOPIC_SPEC,
  TOPICS,
  canonicalTopicFor,
  publishedTopics,
  regionalTopic,
  topicsWrittenBy,
  type CanonicalTopic,
  type PublishedTopic,
  type RegionalTopic,
  type TopicSpec,
  type TopicWriter,
} from './events/topic.catalog';
export {
  HUB_OPERATION_EVENT_TYPES,
  OPERATION_EVENT_TYPES,
  buildOperationEvent,
  OPERATION_EVENT_SOURCE,
  type HubOperationEvent,
  type OperationEventData,
  type OperationEventType,
} from './events/operation-event';
export {
  NewOperation,
  OPERATION_CODE_PATTERN,
  OPERATION_LIMITS,
  OPERATION_ROLES,
  OPERATION_STATUSES,
  OPERATION_TEMPLATE_FIELDS,
  OperationParticipant,
  OperationPeriod,
  OperationPhase,
  OperationScope,
  OperationTemplate,
  OperationUpdate,
  operationStatus,
  type OperationRole,
  type OperationStatus,
  type OperationTemplateField,
  type OperationView,
} from './operations/operation.contract';
export {
  templateFaults,
  validateNewOperation,
  validateOperationUpdate,
} from './operations/operation.validation';
export { asyncApiDocument, renderAsyncApiYaml, type AsyncApiOptions } from './events/asyncapi.document';
export {
  decodeKafkaMessage,
  decodeRegionalMessage,
  encodeKafkaMessage,
  encodeKafkaMessageWithData,
  type KafkaMessage,
  type ReceivedKafkaMessage,
} from './events/kafka-binding.codec';
export {
  MIN_PROVENANCE_KEY_BYTES,
  PROVENANCE_HEADER,
  PROVENANCE_KEY_LIST_PATTERN,
  PROVENANCE_KEY_PATTERN,
  ProvenanceKey,
  ProvenanceSigner,
  ProvenanceVerifier,
  type ProvenanceCheck,
  type ProvenanceProblem,
} from './events/event-provenance';

export {
  JSON_SCHEMA_DIALECT,
  contractJsonSchemas,
  type ContractSchemaOptions,
  type JsonSchema,
} from './schemas/contract.schemas';
export { SCHEMA_FILE_ROOTS, renderSchemaFiles } from './schemas/schema-files.renderer';
