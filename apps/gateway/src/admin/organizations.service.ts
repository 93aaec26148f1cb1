import { Injectable } from '@nestjs/common';
import { regionOfCountry } from '@hub/contracts';
import {
  type AuditEntry,
  DuplicateOrganizationError,
  type ApiKeyEntity,
  type IssuedApiKey,
  OrganizationDirectory,
  type OrganizationEntity,
  type StatusChange,
} from '@hub/persistence';
import { ProblemException, problemField } from '@hub/platform';
import { operatorActor, requestTrace } from '../audit/audit-actor';
import type { OperatorCall } from '../auth/caller';
import { StreamCredentialsService } from '../stream-credentials/stream-credentials.service';
import type {
  ApiKeyView,
  CreateOrganizationDto,
  IssueApiKeyDto,
  IssuedApiKeyView,
  OrganizationView,
  RegisteredOrganizationView,
  SuspendOrganizationDto,
} from './organization.dto';

export function organizationView(organization: OrganizationEntity): OrganizationView {
  return {
    id: organization.id,
    code: organization.code,
    name: organization.name,
    kind: organization.kind,
    country: organization.country,
    region: organization.region,
    createdAt: organization.createdAt.toISOString(),
    status: organization.status,
    suspendedAt: organization.suspendedAt ? organization.suspendedAt.toISOString() : null,
    suspensionReason: organization.suspensionReason,
  };
}

function issuedKeyView(key: IssuedApiKey): IssuedApiKeyView {
  return {
    id: key.id,
    prefix: key.prefix,
    secret: key.apiKey,
    createdAt: key.createdAt.toISOString(),
    revokedAt: null,
    scope: key.scope,
    expiresAt: key.expiresAt ? key.expiresAt.toISOString() : null,
    lastUsedAt: null,
  };
}

function keyView(key: ApiKeyEntity): ApiKeyView {
  return {
    id: key.id,
    prefix: key.prefix,
    createdAt: key.createdAt.toISOString(),
    revokedAt: key.revokedAt ? key.revokedAt.toISOString() : null,
    scope: key.scope,
    expiresAt: key.expiresAt ? key.expiresAt.toISOString() : null,
    lastUsedAt: key.lastUsedAt ? key.lastUsedAt.toISOString() : null,
  };
}

@Injectable()
export class OrganizationsService {
  constructor(
    private readonly directory: OrganizationDirectory,
    private readonly streamCredentials: StreamCredentialsService,
  ) {}

  async register(operator: OperatorCall, dto: CreateOrganizationDto): Promise<RegisteredOrganizationView> {
    // A member's region is the WCO's for its country; only a RILO's region is declared.
    const region = dto.kind === 'member' && dto.country ? regionOfCountry(dto.country) : dto.region;
    if (dto.kind === 'member' && !region) {
      throw ProblemException.invalidRequest([problemField('country', 'is not a WCO member country')]);
    }
    try {
      const { organization, key } = await this.directory.register(
        {
          code: dto.code,
          name: dto.name,
          kind: dto.kind,
          country: dto.kind === 'member' ? dto.country : null,
          region: dto.kind === 'member' || dto.kind === 'rilo' ? region : null,
        },
        (saved, issued) => [
          {
            action: 'organization.registered',
            actor: operatorActor(operator),
            ...requestTrace(operator),
            resourceType: 'organization',
            resourceId: saved.code,
            detail: { organizationId: saved.id, kind: saved.kind },
          },
          this.keyIssued(operator, saved.code, issued),
        ],
      );
      return { organization: organizationView(organization), apiKey: issuedKeyView(key) };
    } catch (error) {
      if (error instanceof DuplicateOrganizationError) {
        throw ProblemException.conflict(`An organization with code ${dto.code} already exists.`);
      }
      throw error;
    }
  }

  async list(): Promise<OrganizationView[]> {
    return (await this.directory.list()).map(organizationView);
  }

  async issueKey(operator: OperatorCall, code: string, dto: IssueApiKeyDto): Promise<IssuedApiKeyView> {
    const organization = await this.require(code);
    const terms = {
      scope: dto.scope ?? 'read-write',
      expiresAt: dto.expiresAt === undefined ? null : new Date(dto.expiresAt),
    } as const;
    return issuedKeyView(
      await this.directory.issueKey(organization.id, terms, (key) => this.keyIssued(operator, code, key)),
    );
  }

  async listKeys(code: string): Promise<ApiKeyView[]> {
    const organization = await this.require(code);
    return (await this.directory.listKeys(organization.id)).map(keyView);
  }

  async revokeKey(operator: OperatorCall, code: string, keyId: string): Promise<void> {
    const organization = await this.require(code);
    const revoked = await this.directory.revokeKey(organization.id, keyId, {
      action: 'api-key.revoked',
      actor: operatorActor(operator),
      ...requestTrace(operator),
      resourceType: 'api-key',
      resourceId: keyId,
      detail: { organization: code },
    });
    if (!revoked) {
      throw ProblemException.notFound('No active key with that id for this organization.');
    }
  }

  /**
   * Cuts an organization off (see OrganizationDirectory.suspend), then takes its stream access
   * away on the brokers. Suspending a suspended organization changes nothing and answers it as it
   * is (200), but does the brokers' part again: a repeat is how an operator finishes a suspension
   * whose brokers' part failed (503).
   */
  async suspend(
    operator: OperatorCall,
    code: string,
    dto: SuspendOrganizationDto,
  ): Promise<OrganizationView> {
    const organization = await this.require(code);
    const change = await this.directory.suspend(organization.id, dto.reason, ({ cancelledDeliveries }) => ({
      action: 'organization.suspended',
      actor: operatorActor(operator),
      ...requestTrace(operator),
      resourceType: 'organization',
      resourceId: code,
      detail: { reason: dto.reason, cancelledDeliveries },
    }));
    return this.applyOnBrokers(code, change, (suspended) => this.streamCredentials.withdrawAll(suspended));
  }

  /** Ends a suspension; reinstating an active organization changes nothing (200), as for suspend. */
  async reinstate(operator: OperatorCall, code: string): Promise<OrganizationView> {
    const organization = await this.require(code);
    const change = await this.directory.reinstate(organization.id, {
      action: 'organization.reinstated',
      actor: operatorActor(operator),
      ...requestTrace(operator),
      resourceType: 'organization',
      resourceId: code,
      detail: { reason: organization.suspensionReason, suspendedAt: organization.suspendedAt },
    });
    return this.applyOnBrokers(code, change, (reinstated) => this.streamCredentials.restoreAll(reinstated));
  }

  private async applyOnBrokers(
    code: string,
    change: StatusChange | null,
    onBrokers: (organization: OrganizationEntity) => Promise<void>,
  ): Promise<OrganizationView> {
    if (!change) throw ProblemException.notFound(`No organization ${code}.`);
    await onBrokers(change.organization);
    return organizationView(change.organization);
  }

  /** The key's prefix only: the key itself is shown once to the operator and kept nowhere. */
  private keyIssued(operator: OperatorCall, code: string, key: IssuedApiKey): AuditEntry {
    return {
      action: 'api-key.issued',
      actor: operatorActor(operator),
      ...requestTrace(operator),
      resourceType: 'organization',
      resourceId: code,
      detail: {
        keyId: key.id,
        prefix: key.prefix,
        scope: key.scope,
        expiresAt: key.expiresAt ? key.expiresAt.toISOString() : null,
      },
    };
  }

  private async require(code: string): Promise<OrganizationEntity> {
    const organization = await this.directory.findByCode(code);
    if (!organization) throw ProblemException.notFound(`No organization ${code}.`);
    return organization;
  }
}
