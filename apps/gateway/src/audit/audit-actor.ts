import type { AuditActor } from '@hub/persistence';
import type { CallerOrganization } from '../auth/caller';

export function organizationActor(caller: CallerOrganization): AuditActor {
  return { type: 'organization', id: caller.id, code: caller.code, kind: caller.kind };
}

export const OPERATOR_ACTOR: AuditActor = { type: 'operator', code: 'operator' };
