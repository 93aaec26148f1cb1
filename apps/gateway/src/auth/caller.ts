import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import type { ReaderProfile } from '@hub/matching';
import type { ProblemException } from '@hub/platform';
import type { AuditedRoute } from '../audit/audited';

/** The organization behind the API key of the current request. */
export interface CallerOrganization extends ReaderProfile, RequestTrace {
  id: string;
  name: string;
}

/** The request being made, as audit entries name it: the server's id, and the caller's own beside it. */
export interface RequestTrace {
  requestId: string;
  clientRequestId?: string;
}

/**
 * The operator in the current request: `bootstrap` (HUB_ADMIN_TOKEN, no id) or a named operator
 * (its personal token, issued by POST /v1/admin/operators).
 */
export interface OperatorCall extends RequestTrace {
  name: string;
  id?: string;
}

export type AuthenticatedRequest = FastifyRequest & {
  caller?: CallerOrganization;
  operator?: OperatorCall;
  /** Why the credentials were refused; answered once the request is counted against its budget. */
  refusal?: ProblemException;
  /** What the route does, for the audit of refused attempts. */
  audited?: AuditedRoute;
};

export const Caller = createParamDecorator((_: unknown, context: ExecutionContext): CallerOrganization => {
  const caller = context.switchToHttp().getRequest<AuthenticatedRequest>().caller;
  // The guard runs first on every non-public route; reaching here without a caller is a wiring bug.
  if (!caller) throw new Error('route used @Caller() without authentication');
  return caller;
});

export const Operator = createParamDecorator((_: unknown, context: ExecutionContext): OperatorCall => {
  const operator = context.switchToHttp().getRequest<AuthenticatedRequest>().operator;
  if (!operator) throw new Error('route used @Operator() without the admin token');
  return operator;
});
