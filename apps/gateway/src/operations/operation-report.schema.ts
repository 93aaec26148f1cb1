import type { ReferenceObject, SchemaObject } from '@nestjs/swagger';
import { OPERATION_STATUSES } from '@hub/contracts';
import {
  SEIZURE_BREAKDOWNS,
  type AlertLeadingToSeizures,
  type OperationReport,
  type ParticipantActivity,
} from '@hub/reporting';

/** The keys of T a value may leave out. */
type OptionalKeys<T> = { [K in keyof T]-?: object extends Pick<T, K> ? K : never }[keyof T];

/**
 * The schema of an object of type T: a schema for each of its properties (the compiler holds the
 * two to the same keys), all of them required but the optional ones, in the order given.
 */
function objectOf<T>(
  properties: { [K in keyof T]-?: SchemaObject | ReferenceObject },
  options: { optional?: readonly OptionalKeys<T>[]; description?: string } = {},
): SchemaObject {
  const optional: readonly PropertyKey[] = options.optional ?? [];
  return {
    type: 'object',
    ...(options.description === undefined ? {} : { description: options.description }),
    required: Object.keys(properties).filter((key) => !optional.includes(key)),
    properties,
  };
}

const ref = (name: string): ReferenceObject => ({ $ref: `#/components/schemas/${name}` });
const STRING: SchemaObject = { type: 'string' };
const INTEGER: SchemaObject = { type: 'integer' };
const COUNTS: SchemaObject = { type: 'object', additionalProperties: { type: 'integer', minimum: 0 } };

type Report = OperationReport;

/** The JSON representation of an operation report, checked against its TypeScript type. */
export const OPERATION_REPORT_SCHEMA = objectOf<Report>({
  operation: objectOf<Report['operation']>(
    {
      code: STRING,
      name: STRING,
      status: { type: 'string', enum: [...OPERATION_STATUSES] },
      period: ref('OperationPeriod'),
      phases: { type: 'array', items: ref('OperationPhase') },
    },
    { optional: ['status'] },
  ),
  generatedAt: { type: 'string', format: 'date-time' },
  totals: objectOf<Report['totals']>({
    seizures: INTEGER,
    alerts: INTEGER,
    alertsLeadingToSeizures: INTEGER,
    withheld: objectOf<Report['totals']['withheld']>(
      { seizures: INTEGER, alerts: INTEGER },
      {
        description:
          'Records of the operation the caller may not read (the Secretariat only): counted, no detail',
      },
    ),
  }),
  seizures: objectOf<Report['seizures']>(
    Object.fromEntries(SEIZURE_BREAKDOWNS.map((name) => [name, COUNTS])) as Record<
      keyof Report['seizures'],
      SchemaObject
    >,
    {
      description:
        'Seizures per key. Categories and HS chapters: a seizure counts once in each it has a line of. ' +
        "Regions: 'non-member' for a country outside the WCO. Phases: 'outside-phases' for a date in none.",
    },
  ),
  quantities: {
    type: 'object',
    description: 'Per strategic category, then per unit as recorded (never converted)',
    additionalProperties: { type: 'object', additionalProperties: { type: 'number' } },
  },
  estimatedValues: {
    type: 'object',
    description: 'Per ISO 4217 currency (never converted)',
    additionalProperties: { type: 'number' },
  },
  alertsLeadingToSeizures: {
    type: 'array',
    items: objectOf<AlertLeadingToSeizures>({
      id: STRING,
      reference: STRING,
      originator: STRING,
      seizures: { type: 'array', items: STRING },
    }),
  },
  participation: objectOf<Report['participation']>({
    registered: INTEGER,
    reporting: INTEGER,
    silent: INTEGER,
    organizations: {
      type: 'array',
      items: objectOf<ParticipantActivity>({
        organization: STRING,
        role: STRING,
        seizures: INTEGER,
        alerts: INTEGER,
      }),
    },
  }),
});
