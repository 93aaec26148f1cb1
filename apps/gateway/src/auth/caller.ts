import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import type { ReaderProfile } from '@hub/matching';

/** The organization behind the API key of the current request. */
export interface CallerOrganization extends ReaderProfile {
  id: string;
  name: string;
}

export type AuthenticatedRequest = FastifyRequest & { caller?: CallerOrganization };

export const Caller = createParamDecorator((_: unknown, context: ExecutionContext): CallerOrganization => {
  const caller = context.switchToHttp().getRequest<AuthenticatedRequest>().caller;
  // The guard runs first on every non-public route; reaching here without a caller is a wiring bug.
  if (!caller) throw new Error('route used @Caller() without authentication');
  return caller;
});
