/** Content type of a CloudEvent in structured mode (webhook body, dead-letter value). */
export const CLOUDEVENTS_JSON = 'application/cloudevents+json';
