import type { RecordType } from '../records/record.enums';
import {
  childPath,
  requireSomeField,
  validateAgainst,
  type FieldViolation,
  type ValidationResult,
} from '../validation/shape.validation';
import {
  NewOperation,
  OPERATION_TEMPLATE_FIELDS,
  OperationUpdate,
  type OperationPhase,
  type OperationTemplateField,
} from './operation.contract';

function phaseFaults(
  phases: readonly OperationPhase[],
  period: { start: string; end: string },
  path: string,
): FieldViolation[] {
  const start = Date.parse(period.start);
  const end = Date.parse(period.end);
  const faults: FieldViolation[] = [];
  phases.forEach((phase, index) => {
    const at = childPath(path, index);
    const phaseStart = Date.parse(phase.start);
    const phaseEnd = Date.parse(phase.end);
    if (phaseStart < start || phaseStart >= end)
      faults.push({ field: `${at}.start`, reason: 'must be within the operation period' });
    if (phaseEnd <= phaseStart) faults.push({ field: `${at}.end`, reason: 'must be after the phase start' });
    else if (phaseEnd > end)
      faults.push({ field: `${at}.end`, reason: 'must be within the operation period' });
  });
  return faults;
}

function duplicateParticipantFaults(codes: readonly string[], path: string): FieldViolation[] {
  const seen = new Set<string>();
  const faults: FieldViolation[] = [];
  codes.forEach((code, index) => {
    if (seen.has(code))
      faults.push({ field: `${childPath(path, index)}.organization`, reason: 'is listed twice' });
    seen.add(code);
  });
  return faults;
}

/**
 * Validates a new operation: its shape, then what one field alone cannot say (the period ends
 * after it starts, phases lie within it, each organization takes part once). Whether the
 * participants are registered is the gateway's question, asked of the database.
 */
export function validateNewOperation(body: unknown): ValidationResult<NewOperation> {
  const result = validateAgainst<NewOperation>(NewOperation, body);
  if (!result.ok) return result;
  const { period, phases, participants } = result.value;
  const faults: FieldViolation[] = [];
  if (Date.parse(period.end) <= Date.parse(period.start))
    faults.push({ field: 'period.end', reason: 'must be after period.start' });
  else faults.push(...phaseFaults(phases, period, 'phases'));
  faults.push(
    ...duplicateParticipantFaults(
      participants.map((participant) => participant.organization),
      'participants',
    ),
  );
  return faults.length > 0 ? { ok: false, violations: faults } : result;
}

/**
 * Validates a PATCH body against the operation as it is: a new period end may only extend it, and
 * the phases (new or kept) must lie within the period that results.
 */
export function validateOperationUpdate(
  body: unknown,
  current: { period: { start: string; end: string }; phases: readonly OperationPhase[] },
): ValidationResult<OperationUpdate> {
  const result = requireSomeField(validateAgainst<OperationUpdate>(OperationUpdate, body));
  if (!result.ok) return result;
  const update = result.value;
  const faults: FieldViolation[] = [];
  if (update.periodEnd !== undefined && Date.parse(update.periodEnd) < Date.parse(current.period.end))
    faults.push({ field: 'periodEnd', reason: 'may only extend the period' });
  const period = { start: current.period.start, end: update.periodEnd ?? current.period.end };
  if (update.phases !== undefined) faults.push(...phaseFaults(update.phases, period, 'phases'));
  if (update.addParticipants !== undefined) {
    faults.push(
      ...duplicateParticipantFaults(
        update.addParticipants.map((participant) => participant.organization),
        'addParticipants',
      ),
    );
    const removed = new Set(update.removeParticipants ?? []);
    update.addParticipants.forEach((participant, index) => {
      if (removed.has(participant.organization))
        faults.push({
          field: `${childPath('addParticipants', index)}.organization`,
          reason: 'is also in removeParticipants',
        });
    });
  }
  return faults.length > 0 ? { ok: false, violations: faults } : result;
}

function isFilled(value: unknown): boolean {
  if (value === undefined || value === null) return false;
  if (typeof value === 'string') return value.length > 0;
  if (Array.isArray(value)) return value.length > 0;
  return true;
}

/**
 * The fields an operation's template requires that a record leaves empty, named as a 400 names
 * them (`commodities[1].controlListRef`, `detectionMethod`). Fields the record type lacks are not
 * asked of it.
 */
export function templateFaults(
  type: RecordType,
  record: object,
  required: readonly OperationTemplateField[],
): FieldViolation[] {
  const body = record as Record<string, unknown>;
  const faults: FieldViolation[] = [];
  for (const field of required) {
    const types: readonly RecordType[] = OPERATION_TEMPLATE_FIELDS[field] ?? [];
    if (!types.includes(type)) continue;
    const reason = 'is required by the operation template';
    const line = /^commodities\[\]\.(\w+)$/.exec(field);
    if (line) {
      const commodities = Array.isArray(body.commodities) ? (body.commodities as unknown[]) : [];
      commodities.forEach((commodity, index) => {
        const value = (commodity as Record<string, unknown> | null)?.[line[1]];
        if (!isFilled(value)) faults.push({ field: `${childPath('commodities', index)}.${line[1]}`, reason });
      });
    } else if (!isFilled(body[field])) faults.push({ field, reason });
  }
  return faults;
}
