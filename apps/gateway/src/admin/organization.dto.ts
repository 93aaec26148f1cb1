import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsString, Matches, ValidateBy, ValidateIf, type ValidationArguments } from 'class-validator';
import {
  IsDateTime,
  IsOrganizationCode,
  Optional,
  ORGANIZATION_CODE_INPUT_PATTERN,
  ORGANIZATION_KINDS,
  TEXT_CHARACTERS,
  Text,
  WCO_REGIONS,
  type OrganizationKind,
  type RegionCode,
} from '@hub/contracts';
import {
  API_KEY_MAX_LIFETIME_DAYS,
  API_KEY_SCOPES,
  apiKeyExpiryFault,
  type ApiKeyScope,
  ORGANIZATION_STATUSES,
  type OrganizationStatus,
} from '@hub/persistence';
import { OrganizationCode, ResourceId } from '../http/request-parameters';

/**
 * A field only one kind of organization has: required for that kind, refused for the others (a
 * member's region follows from its country; only a RILO declares one).
 */
function OnlyFor(kind: OrganizationKind, property: 'country' | 'region'): PropertyDecorator {
  return applyDecorators(
    ValidateIf((dto: CreateOrganizationDto) => dto.kind === kind || dto[property] !== undefined),
    ValidateBy({
      name: 'onlyForKind',
      validator: {
        validate: (_value: unknown, args?: ValidationArguments): boolean =>
          (args?.object as CreateOrganizationDto | undefined)?.kind === kind,
        defaultMessage: () => `${property} is given for a ${kind} only`,
      },
    }),
  );
}

export class CreateOrganizationDto {
  @ApiProperty({
    example: 'fr-customs',
    pattern: ORGANIZATION_CODE_INPUT_PATTERN.source,
    description:
      'Stable code other organizations use to address this one; stored and shown in lowercase (`FR-Customs` is `fr-customs`).',
  })
  @IsString()
  @IsOrganizationCode()
  code!: string;

  @ApiProperty({
    example: 'French Customs (DGDDI)',
    minLength: 2,
    maxLength: 200,
    pattern: TEXT_CHARACTERS.source,
  })
  @Text(200, 2)
  name!: string;

  @ApiProperty({ enum: ORGANIZATION_KINDS })
  @IsIn(ORGANIZATION_KINDS)
  kind!: OrganizationKind;

  @ApiPropertyOptional({
    example: 'FR',
    pattern: '^[A-Z]{2}$',
    description: 'ISO 3166-1 alpha-2 of a WCO member; required for members, refused for the others.',
  })
  @OnlyFor('member', 'country')
  @IsString()
  @Matches(/^[A-Z]{2}$/, { message: 'country must be an ISO 3166-1 alpha-2 code' })
  country?: string;

  @ApiPropertyOptional({
    enum: WCO_REGIONS,
    description: 'The WCO region a RILO serves; required for RILOs, refused for the others.',
  })
  @OnlyFor('rilo', 'region')
  @IsIn(WCO_REGIONS)
  region?: RegionCode;
}

export class OrganizationView {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() code!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ enum: ORGANIZATION_KINDS }) kind!: OrganizationKind;
  @ApiProperty({ nullable: true, type: String, description: 'ISO 3166-1 alpha-2 (members only)' })
  country!: string | null;
  @ApiProperty({ nullable: true, enum: WCO_REGIONS, description: 'WCO region (members and RILOs)' })
  region!: string | null;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({
    enum: ORGANIZATION_STATUSES,
    description:
      '`suspended`: its keys are refused (403) and nothing is matched or sent to it until reinstated.',
  })
  status!: OrganizationStatus;
  @ApiProperty({
    nullable: true,
    type: String,
    format: 'date-time',
    description: 'When the suspension began',
  })
  suspendedAt!: string | null;
  @ApiProperty({ nullable: true, type: String, description: "The operator's reason (suspended only)" })
  suspensionReason!: string | null;
}

export class SuspendOrganizationDto {
  @ApiProperty({
    example: 'Compromised national system: keys under investigation',
    minLength: 3,
    maxLength: 500,
    pattern: TEXT_CHARACTERS.source,
    description: 'Why: kept with the organization and in the audit trail, never shown to the organization.',
  })
  @Text(500, 3)
  reason!: string;
}

/** An expiry the hub accepts for a new key: after now, and at most API_KEY_MAX_LIFETIME_DAYS ahead. */
function IsKeyExpiry(): PropertyDecorator {
  return ValidateBy({
    name: 'keyExpiry',
    validator: {
      // Unparsable values are IsDateTime's to report.
      validate: (value: unknown): boolean =>
        typeof value !== 'string' || Number.isNaN(Date.parse(value)) || !apiKeyExpiryFault(new Date(value)),
      defaultMessage: (args?: ValidationArguments) =>
        `expiresAt ${apiKeyExpiryFault(new Date(String(args?.value))) ?? 'is not accepted'}`,
    },
  });
}

/** What an operator may choose for a new key; an empty body (or none) is a read-write key that never expires. */
export class IssueApiKeyDto {
  @ApiPropertyOptional({
    enum: API_KEY_SCOPES,
    default: 'read-write',
    description:
      '`read`: the key may call GET routes only (lists, records, feeds, TAXII); every other method is refused with 403 `insufficient-scope`.',
  })
  // Absent means read-write; an explicit null is a mistake, not a default (400).
  @Optional()
  @IsIn(API_KEY_SCOPES)
  scope?: ApiKeyScope;

  @ApiPropertyOptional({
    format: 'date-time',
    example: '2027-06-30T00:00:00Z',
    description: `When the key stops working (401, as an unknown key): in the future, at most ${API_KEY_MAX_LIFETIME_DAYS} days ahead. Left out: it never expires.`,
  })
  @Optional()
  @IsDateTime()
  @IsKeyExpiry()
  expiresAt?: string;
}

export class ApiKeyView {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ description: 'First characters of the key, to tell keys apart.' }) prefix!: string;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ nullable: true, type: String, format: 'date-time' }) revokedAt!: string | null;
  @ApiProperty({ enum: API_KEY_SCOPES, description: '`read`: GET routes only.' }) scope!: ApiKeyScope;
  @ApiProperty({
    nullable: true,
    type: String,
    format: 'date-time',
    description: 'When the key stops working; null: never.',
  })
  expiresAt!: string | null;
  @ApiProperty({
    nullable: true,
    type: String,
    format: 'date-time',
    description: 'When the key was last used, to the minute; null: never used.',
  })
  lastUsedAt!: string | null;
}

/** A key just issued: the API key resource plus its secret, the same wherever a key is issued. */
export class IssuedApiKeyView extends ApiKeyView {
  @ApiProperty({
    description:
      'The API key itself (`chub_…`), to send as `Authorization: Bearer`. Shown once: the hub keeps only its SHA-256 digest.',
  })
  secret!: string;
}

export class RegisteredOrganizationView {
  @ApiProperty({ type: OrganizationView }) organization!: OrganizationView;
  @ApiProperty({
    type: IssuedApiKeyView,
    description: 'Its first API key, shaped as POST …/api-keys returns one',
  })
  apiKey!: IssuedApiKeyView;
}

export class OrganizationCodeParam {
  @OrganizationCode()
  code!: string;
}

export class ApiKeyParams extends OrganizationCodeParam {
  @ResourceId('keyId')
  keyId!: string;
}
