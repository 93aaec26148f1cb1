import { type CanActivate, type ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { InjectThrottlerStorage, type ThrottlerStorage } from '@nestjs/throttler';
import { isRegionCode } from '@hub/contracts';
import { apiKeyPermits, OperatorRoster, OrganizationDirectory } from '@hub/persistence';
import { bearerToken, clientRequestIdOf, ProblemException, PUBLIC_ROUTE, sameSecret } from '@hub/platform';
import { AUDITED_ROUTE, type AuditedRoute } from '../audit/audited';
import { GatewayConfig } from '../gateway.config';
import { isLockedOutAddress } from '../rate-limit/rate-limit.guard';
import { ADMIN_ROUTE } from './admin-route';
import { BASIC_AUTH_ROUTE } from './basic-auth';
import type { AuthenticatedRequest } from './caller';

/** The password of `Authorization: Basic base64(user:password)`, where the API key is the password. */
/** The operator HUB_ADMIN_TOKEN acts as: it bootstraps the named operators. */
export const BOOTSTRAP_OPERATOR = 'bootstrap';

function basicPassword(request: AuthenticatedRequest): string | null {
  const header = request.headers.authorization;
  if (typeof header !== 'string') return null;
  const match = /^Basic ([A-Za-z0-9+/]+={0,2})$/i.exec(header.trim());
  if (!match) return null;
  const credentials = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = credentials.indexOf(':');
  return colon >= 0 && colon < credentials.length - 1 ? credentials.slice(colon + 1) : null;
}

/**
 * Global guard, first of two: every route needs an organization's API key, except routes
 * marked @PublicRoute (health, metrics, docs) and @AdminRoute (an operator's token: HUB_ADMIN_TOKEN,
 * compared by fixed-length digests, or a named operator's personal token). It
 * identifies the caller but does not answer a refusal itself: it leaves it on the request for
 * the rate limiter, which counts failed credentials against the caller's address first. A
 * read-only key is refused (403 insufficient-scope) on every method but GET and HEAD, so a new
 * write route is refused to it without anyone remembering to mark the route.
 */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly directory: OrganizationDirectory,
    private readonly operators: OperatorRoster,
    @Inject(GatewayConfig) private readonly config: GatewayConfig,
    @InjectThrottlerStorage() private readonly throttles: ThrottlerStorage,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_ROUTE, targets)) return true;
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    request.audited = this.reflector.get<AuditedRoute | undefined>(AUDITED_ROUTE, context.getHandler());
    const clientRequestId = clientRequestIdOf(request.raw);
    const trace = { requestId: String(request.id), ...(clientRequestId ? { clientRequestId } : {}) };
    const token =
      bearerToken(request.headers.authorization) ??
      (this.reflector.getAllAndOverride<boolean>(BASIC_AUTH_ROUTE, targets) ? basicPassword(request) : null);
    const admin = this.reflector.getAllAndOverride<boolean>(ADMIN_ROUTE, targets);
    if (!token) {
      request.refusal = ProblemException.unauthorized(admin ? 'A valid admin token is required.' : undefined);
    } else if (admin) {
      const operator = sameSecret(token, this.config.HUB_ADMIN_TOKEN)
        ? { name: BOOTSTRAP_OPERATOR }
        : await this.operators.authenticate(token);
      if (operator)
        request.operator = {
          name: operator.name,
          ...('id' in operator ? { id: operator.id } : {}),
          ...trace,
        };
      else request.refusal = ProblemException.unauthorized('A valid admin token is required.');
    } else {
      // A locked-out address gets 429 anyway: only keys known valid here are looked up for it
      // (a valid key there is not held back), so guessing costs the database nothing.
      const key = await this.directory.authenticate(token, {
        recognizedOnly: isLockedOutAddress(this.throttles, request.ip),
      });
      const organization = key?.organization;
      if (!key || !organization) request.refusal = ProblemException.unauthorized();
      else if (organization.status === 'suspended')
        request.refusal = ProblemException.organizationSuspended();
      else {
        // Known, so counted against its organization's budget rather than as a failed credential.
        if (!apiKeyPermits(key.scope, request.method)) request.refusal = ProblemException.insufficientScope();
        request.caller = {
          id: organization.id,
          code: organization.code,
          name: organization.name,
          kind: organization.kind,
          ...trace,
          ...(organization.country ? { country: organization.country } : {}),
          ...(organization.region && isRegionCode(organization.region)
            ? { region: organization.region }
            : {}),
          operations: key.operations,
        };
      }
    }
    return true;
  }
}
