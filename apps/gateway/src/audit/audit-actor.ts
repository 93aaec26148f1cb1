import type { AuditActor, AuditEntry } from '@hub/persistence';
import type { CallerOrganization, OperatorCall, RequestTrace } from '../auth/caller';

export function organizationActor(caller: CallerOrganization): AuditActor {
  return { type: 'organization', id: caller.id, code: caller.code, kind: caller.kind };
}

/** `operator:<name>`: which operator acted (`operator:bootstrap` for HUB_ADMIN_TOKEN). */
export function operatorActor(operator: OperatorCall): AuditActor {
  return { type: 'operator', id: operator.id ?? null, code: `operator:${operator.name}` };
}

/** The request ids an audit entry carries: the server's, and the caller's own beside it. */
export function requestTrace(call: RequestTrace): Pick<AuditEntry, 'requestId' | 'clientRequestId'> {
  return { requestId: call.requestId, clientRequestId: call.clientRequestId ?? null };
}
