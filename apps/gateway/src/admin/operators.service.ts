import { Injectable } from '@nestjs/common';
import { DuplicateOperatorError, OperatorRoster, type OperatorRow } from '@hub/persistence';
import { ProblemException, problemField } from '@hub/platform';
import { operatorActor, requestTrace } from '../audit/audit-actor';
import { BOOTSTRAP_OPERATOR } from '../auth/api-key.guard';
import type { OperatorCall } from '../auth/caller';
import type { IssuedOperatorView, OperatorView } from './operator.dto';

function operatorView(operator: OperatorRow): OperatorView {
  return {
    id: operator.id,
    name: operator.name,
    prefix: operator.prefix,
    createdBy: operator.createdBy,
    createdAt: operator.createdAt.toISOString(),
    revokedAt: operator.revokedAt ? operator.revokedAt.toISOString() : null,
  };
}

/** The named operators of the admin API: issued, listed and revoked by operators, each step audited. */
@Injectable()
export class OperatorsService {
  constructor(private readonly roster: OperatorRoster) {}

  async issue(operator: OperatorCall, name: string): Promise<IssuedOperatorView> {
    if (name === BOOTSTRAP_OPERATOR)
      throw ProblemException.invalidRequest([problemField('name', 'is reserved for HUB_ADMIN_TOKEN')]);
    try {
      const issued = await this.roster.issue(name, operatorActor(operator).code ?? '', (saved) => ({
        action: 'operator.issued',
        actor: operatorActor(operator),
        ...requestTrace(operator),
        resourceType: 'operator',
        resourceId: saved.id,
        detail: { name: saved.name, prefix: saved.prefix },
      }));
      return { ...operatorView(issued), token: issued.token };
    } catch (error) {
      if (error instanceof DuplicateOperatorError)
        throw ProblemException.conflict(`An operator named ${name} already holds a live token.`);
      throw error;
    }
  }

  async list(): Promise<OperatorView[]> {
    return (await this.roster.list()).map(operatorView);
  }

  async revoke(operator: OperatorCall, id: string): Promise<void> {
    const revoked = await this.roster.revoke(id, {
      action: 'operator.revoked',
      actor: operatorActor(operator),
      ...requestTrace(operator),
      resourceType: 'operator',
      resourceId: id,
    });
    if (!revoked) throw ProblemException.notFound('No live operator with that id.');
  }
}
