import { type CanActivate, type ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { timingSafeEqual } from 'node:crypto';
import { isRegionCode } from '@hub/contracts';
import { OrganizationDirectory } from '@hub/persistence';
import { ProblemException, PUBLIC_ROUTE } from '@hub/platform';
import { GatewayConfig } from '../gateway.config';
import { ADMIN_ROUTE } from './admin-route';
import type { AuthenticatedRequest } from './caller';

function bearerToken(request: AuthenticatedRequest): string | null {
  const header = request.headers.authorization;
  if (typeof header !== 'string') return null;
  const match = /^Bearer ([^\s]+)$/i.exec(header.trim());
  return match ? match[1] : null;
}

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * Global guard: every route needs an organization's API key, except routes
 * marked @PublicRoute (health, metrics, docs) and @AdminRoute (the operator's token).
 */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly directory: OrganizationDirectory,
    @Inject(GatewayConfig) private readonly config: GatewayConfig,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_ROUTE, targets)) return true;
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const token = bearerToken(request);
    if (!token) throw ProblemException.unauthorized();
    if (this.reflector.getAllAndOverride<boolean>(ADMIN_ROUTE, targets)) {
      if (!sameSecret(token, this.config.HUB_ADMIN_TOKEN))
        throw ProblemException.unauthorized('A valid admin token is required.');
      return true;
    }
    const organization = await this.directory.authenticate(token);
    if (!organization) throw ProblemException.unauthorized();
    request.caller = {
      id: organization.id,
      code: organization.code,
      name: organization.name,
      kind: organization.kind,
      ...(organization.country ? { country: organization.country } : {}),
      ...(organization.region && isRegionCode(organization.region) ? { region: organization.region } : {}),
    };
    return true;
  }
}
