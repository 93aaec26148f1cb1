import { SetMetadata } from '@nestjs/common';
import type { AuditAction, AuditResourceType } from '@hub/persistence';

export const AUDITED_ROUTE = 'hub:audited-route';

/** What a route does, in the audit's terms. */
export interface AuditedRoute {
  action: AuditAction;
  resourceType: AuditResourceType;
  /** The path parameter naming the resource, if any. */
  idParam: string | null;
}

/**
 * Names the action of a route for the audit trail. Successful writes and record reads are
 * audited by their services (in the write's transaction); refused attempts (401, 403, 404) on
 * any audited route are audited from this description, so an auditor sees probing.
 */
export const Audited = (
  action: AuditAction,
  resourceType: AuditResourceType,
  idParam: string | null = 'id',
): MethodDecorator => SetMetadata(AUDITED_ROUTE, { action, resourceType, idParam } satisfies AuditedRoute);
