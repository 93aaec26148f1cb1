import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import {
  buildOperationEvent,
  type FieldViolation,
  OPERATION_EVENT_TYPES,
  type OperationEventData,
  operationStatus,
  type OperationUpdate,
  type OperationView,
  type RecordBody,
  type RecordType,
  templateFaults,
  validateNewOperation,
  validateOperationUpdate,
} from '@hub/contracts';
import {
  type AuditAction,
  type AuditEntry,
  AuditTrail,
  OperationCodeTaken,
  type OperationChange,
  type OperationParticipantRow,
  OperationRegistry,
  operationView,
  OrganizationDirectory,
  OutboxWakeup,
  type PendingOperationEvent,
  type StoredOperation,
} from '@hub/persistence';
import { ProblemException, problemField } from '@hub/platform';
import { organizationActor, requestTrace } from '../audit/audit-actor';
import type { CallerOrganization } from '../auth/caller';

function invalid(violations: FieldViolation[]): ProblemException {
  return ProblemException.invalidRequest(
    violations.map((violation) => problemField(violation.field, violation.reason)),
  );
}

function isSecretariat(caller: CallerOrganization): boolean {
  return caller.kind === 'secretariat';
}

/** The role the caller holds in the operation, or undefined when it takes no part. */
function roleOf(operation: StoredOperation, caller: CallerOrganization): string | undefined {
  return operation.participants.find((participant) => participant.organization === caller.code)?.role;
}

/**
 * Joint operations: the secretariat creates, changes and closes them; participants (any role)
 * read theirs; coordinators may also edit the phases. An operation the caller takes no part in
 * does not exist for it (404), except for the secretariat.
 */
@Injectable()
export class OperationsService {
  constructor(
    private readonly registry: OperationRegistry,
    private readonly directory: OrganizationDirectory,
    private readonly trail: AuditTrail,
    private readonly relay: OutboxWakeup,
  ) {}

  async create(caller: CallerOrganization, body: unknown): Promise<OperationView> {
    if (!isSecretariat(caller)) throw ProblemException.forbidden('Only the secretariat creates operations.');
    const validated = validateNewOperation(body);
    if (!validated.ok) throw invalid(validated.violations);
    const value = validated.value;
    const participants = await this.participantRows(value.participants, 'participants');
    const at = new Date();
    const id = randomUUID();
    try {
      const stored = await this.registry.create(
        {
          id,
          code: value.code,
          name: value.name,
          description: value.description,
          period: value.period,
          phases: value.phases,
          scope: value.scope ?? null,
          template: value.template ?? null,
          participants,
          at,
        },
        this.audit(caller, 'operation.created', value.code, {
          participants: participants.length,
          period: value.period,
        }),
      );
      this.directory.forgetAll();
      return operationView(stored, new Date());
    } catch (error) {
      if (error instanceof OperationCodeTaken)
        throw ProblemException.conflict(`An operation with code ${value.code} already exists.`);
      throw error;
    }
  }

  async list(caller: CallerOrganization): Promise<OperationView[]> {
    const operations = await this.registry.list(isSecretariat(caller) ? null : caller.id);
    await this.trail.append([
      { ...this.audit(caller, 'operation.listed', null, { count: operations.length }) },
    ]);
    const now = new Date();
    return operations.map((operation) => operationView(operation, now));
  }

  async read(caller: CallerOrganization, code: string): Promise<OperationView> {
    const operation = await this.visible(caller, code);
    await this.trail.append([this.audit(caller, 'operation.read', operation.code)]);
    return operationView(operation, new Date());
  }

  /**
   * The operation as the caller may see it: the secretariat every one, an organization those it
   * takes part in; anything else is not found. Exported for the operation's other routes.
   */
  async visible(caller: CallerOrganization, code: string): Promise<StoredOperation> {
    const operation = await this.registry.find(code);
    if (!operation || (!isSecretariat(caller) && roleOf(operation, caller) === undefined))
      throw ProblemException.notFound();
    return operation;
  }

  async update(caller: CallerOrganization, code: string, body: unknown): Promise<OperationView> {
    const seen = await this.visible(caller, code);
    const secretariat = isSecretariat(caller);
    if (!secretariat && roleOf(seen, caller) !== 'coordinator')
      throw ProblemException.forbidden('Only the secretariat and the coordinators change an operation.');
    const validated = validateOperationUpdate(body, seen);
    if (!validated.ok) throw invalid(validated.violations);
    const update = validated.value;
    if (!secretariat && Object.keys(update).some((field) => field !== 'phases'))
      throw ProblemException.forbidden('Coordinators may only edit the phases.');
    const add = update.addParticipants
      ? await this.participantRows(update.addParticipants, 'addParticipants')
      : undefined;
    const result = await this.registry.update<ProblemException>(seen.code, (current) => {
      if (current.closedAt !== null) return { abort: ProblemException.conflict('The operation is closed.') };
      // Checked again on the locked operation: a concurrent change may have moved the period.
      const recheck = validateOperationUpdate(body, current);
      if (!recheck.ok) return { abort: invalid(recheck.violations) };
      const change = this.change(update, add);
      const known = new Set(current.participants.map((participant) => participant.organization));
      const events = (add ?? [])
        .filter((participant) => !known.has(participant.organization))
        .map((participant) =>
          this.event(OPERATION_EVENT_TYPES.participantAdded, current, {
            participant: { organization: participant.organization, role: participant.role },
          }),
        );
      return {
        change,
        events,
        audit: this.audit(caller, 'operation.updated', current.code, {
          fields: Object.keys(update).sort(),
          ...(update.addParticipants
            ? { added: update.addParticipants.map((participant) => participant.organization) }
            : {}),
          ...(update.removeParticipants ? { removed: update.removeParticipants } : {}),
          ...(update.periodEnd ? { periodEnd: update.periodEnd } : {}),
        }),
      };
    });
    this.directory.forgetAll();
    if (!result) throw ProblemException.notFound();
    if ('abort' in result) throw result.abort;
    this.relay.wake();
    return operationView(result.operation, new Date());
  }

  async close(caller: CallerOrganization, code: string): Promise<OperationView> {
    const seen = await this.visible(caller, code);
    if (!isSecretariat(caller)) throw ProblemException.forbidden('Only the secretariat closes an operation.');
    const result = await this.registry.close(seen.code, (closed) => ({
      audit: this.audit(caller, 'operation.closed', closed.code),
      events: [
        this.event(OPERATION_EVENT_TYPES.closed, closed, {
          closedAt: (closed.closedAt ?? new Date()).toISOString(),
        }),
      ],
    }));
    if (!result) throw ProblemException.notFound();
    if (result.changed) this.relay.wake();
    return operationView(result.operation, new Date());
  }

  /**
   * Whether the caller may file a record under the operation now: it takes part in it (403
   * otherwise, the operation existing or not: the hub tells nothing more), the operation is
   * active (409 operation-not-active) and the record fills its template (400 naming the fields).
   */
  async admitRecord(
    caller: CallerOrganization,
    code: string,
    type: RecordType,
    body: RecordBody,
  ): Promise<void> {
    const operation = await this.registry.find(code);
    if (!operation || roleOf(operation, caller) === undefined)
      throw ProblemException.forbidden(`The organization takes no part in operation ${code}.`);
    if (operationStatus(operation, new Date()) !== 'active')
      throw ProblemException.operationNotActive(`Operation ${code} is not active: records are not accepted.`);
    const faults = templateFaults(type, body, operation.template?.required ?? []);
    if (faults.length > 0) throw invalid(faults);
  }

  private change(update: OperationUpdate, add: OperationParticipantRow[] | undefined): OperationChange {
    return {
      ...(update.name !== undefined ? { name: update.name } : {}),
      ...(update.description !== undefined ? { description: update.description } : {}),
      ...(update.periodEnd !== undefined ? { periodEnd: update.periodEnd } : {}),
      ...(update.phases !== undefined ? { phases: update.phases } : {}),
      ...(add ? { add } : {}),
      ...(update.removeParticipants ? { remove: update.removeParticipants } : {}),
    };
  }

  /** The participants as stored rows; each code must name a registered organization (400 otherwise). */
  private async participantRows(
    participants: readonly { organization: string; role: OperationParticipantRow['role'] }[],
    path: string,
  ): Promise<OperationParticipantRow[]> {
    const found = await this.directory.findByCodes(
      participants.map((participant) => participant.organization),
    );
    const byCode = new Map(found.map((organization) => [organization.code, organization]));
    const faults: FieldViolation[] = [];
    const rows: OperationParticipantRow[] = [];
    participants.forEach((participant, index) => {
      const organization = byCode.get(participant.organization);
      if (!organization)
        faults.push({ field: `${path}[${index}].organization`, reason: 'must be a registered organization' });
      else
        rows.push({
          organizationId: organization.id,
          organization: organization.code,
          role: participant.role,
        });
    });
    if (faults.length > 0) throw invalid(faults);
    return rows;
  }

  private event(
    type: (typeof OPERATION_EVENT_TYPES)[keyof typeof OPERATION_EVENT_TYPES],
    operation: StoredOperation,
    extra: Partial<OperationEventData>,
  ): PendingOperationEvent {
    return {
      event: buildOperationEvent(randomUUID(), type, new Date(), {
        code: operation.code,
        name: operation.name,
        period: operation.period,
        ...extra,
      }),
    };
  }

  private audit(
    caller: CallerOrganization,
    action: AuditAction,
    code: string | null,
    detail?: Record<string, unknown>,
  ): AuditEntry {
    return {
      action,
      actor: organizationActor(caller),
      ...requestTrace(caller),
      resourceType: 'operation',
      resourceId: code,
      ...(detail ? { detail } : {}),
    };
  }
}
