import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance } from 'fastify';
import { type AuditActor, AuditTrail } from '@hub/persistence';
import { clientRequestIdOf } from '@hub/platform';
import type { AuthenticatedRequest } from '../auth/caller';
import { operatorActor, organizationActor } from './audit-actor';

/** Answers that refuse a caller access to a protected resource: what an auditor looks for in probing. */
const REFUSALS = new Set([401, 403, 404]);
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * Audits refused attempts on audited routes (401, 403, 404), whoever made them, before the
 * answer leaves. A 429 is not audited: a request refused for its rate writes nothing.
 */
@Injectable()
export class RefusalAudit implements OnModuleInit {
  private readonly logger = new Logger(RefusalAudit.name);

  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly trail: AuditTrail,
  ) {}

  onModuleInit(): void {
    const fastify = this.adapterHost.httpAdapter.getInstance<FastifyInstance>();
    fastify.addHook('onSend', async (raw, reply, payload) => {
      const request = raw as AuthenticatedRequest;
      if (!request.audited || !REFUSALS.has(reply.statusCode)) return payload;
      const { action, resourceType, idParam } = request.audited;
      const params = (request.params ?? {}) as Record<string, unknown>;
      const resourceId = idParam && typeof params[idParam] === 'string' ? params[idParam] : null;
      // A probe of a record is found by the record's id, like every other access to it.
      const probedRecord =
        (resourceType === 'alert' || resourceType === 'seizure') && resourceId && UUID.test(resourceId);
      try {
        await this.trail.append([
          {
            action,
            actor: this.actorOf(request),
            requestId: String(request.id),
            clientRequestId: clientRequestIdOf(request.raw) ?? null,
            outcome: 'refused',
            statusCode: reply.statusCode,
            resourceType,
            resourceId: resourceId ? resourceId.slice(0, 200) : null,
            recordIds: probedRecord ? [resourceId] : [],
            detail: { method: request.method, route: request.routeOptions.url ?? null, address: request.ip },
          },
        ]);
      } catch (error) {
        // The refusal still goes out: it gives nothing away, and the failure is for the operator.
        this.logger.error({
          msg: 'auditing a refused request failed',
          reqId: request.id,
          err: error instanceof Error ? error.message : String(error),
        });
      }
      return payload;
    });
  }

  private actorOf(request: AuthenticatedRequest): AuditActor {
    if (request.caller) return organizationActor(request.caller);
    if (request.operator) return operatorActor(request.operator);
    return { type: 'anonymous' };
  }
}
