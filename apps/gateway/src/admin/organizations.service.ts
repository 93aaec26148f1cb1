import { Injectable } from '@nestjs/common';
import { regionOfCountry } from '@hub/contracts';
import {
  DuplicateOrganizationError,
  type ApiKeyEntity,
  type IssuedApiKey,
  OrganizationDirectory,
  type OrganizationEntity,
} from '@hub/persistence';
import { ProblemException, problemField } from '@hub/platform';
import type {
  ApiKeyView,
  CreateOrganizationDto,
  IssuedApiKeyView,
  OrganizationView,
  RegisteredOrganizationView,
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
  };
}

function issuedKeyView(key: IssuedApiKey): IssuedApiKeyView {
  return {
    id: key.id,
    prefix: key.prefix,
    apiKey: key.apiKey,
    createdAt: key.createdAt.toISOString(),
    revokedAt: null,
  };
}

function keyView(key: ApiKeyEntity): ApiKeyView {
  return {
    id: key.id,
    prefix: key.prefix,
    createdAt: key.createdAt.toISOString(),
    revokedAt: key.revokedAt ? key.revokedAt.toISOString() : null,
  };
}

@Injectable()
export class OrganizationsService {
  constructor(private readonly directory: OrganizationDirectory) {}

  async register(dto: CreateOrganizationDto): Promise<RegisteredOrganizationView> {
    // A member's region is the WCO's for its country; only a RILO's region is declared.
    const region = dto.kind === 'member' && dto.country ? regionOfCountry(dto.country) : dto.region;
    if (dto.kind === 'member' && !region) {
      throw ProblemException.invalidRequest([problemField('country', 'is not a WCO member country')]);
    }
    try {
      const { organization, key } = await this.directory.register({
        code: dto.code,
        name: dto.name,
        kind: dto.kind,
        country: dto.kind === 'member' ? dto.country : null,
        region: dto.kind === 'member' || dto.kind === 'rilo' ? region : null,
      });
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

  async issueKey(code: string): Promise<IssuedApiKeyView> {
    const organization = await this.require(code);
    return issuedKeyView(await this.directory.issueKey(organization.id));
  }

  async listKeys(code: string): Promise<ApiKeyView[]> {
    const organization = await this.require(code);
    return (await this.directory.listKeys(organization.id)).map(keyView);
  }

  async revokeKey(code: string, keyId: string): Promise<void> {
    const organization = await this.require(code);
    if (!(await this.directory.revokeKey(organization.id, keyId))) {
      throw ProblemException.notFound('No active key with that id for this organization.');
    }
  }

  private async require(code: string): Promise<OrganizationEntity> {
    const organization = await this.directory.findByCode(code);
    if (!organization) throw ProblemException.notFound(`No organization ${code}.`);
    return organization;
  }
}
