import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsString, Matches, ValidateBy, ValidateIf, type ValidationArguments } from 'class-validator';
import {
  IsOrganizationCode,
  ORGANIZATION_CODE_INPUT_PATTERN,
  ORGANIZATION_KINDS,
  TEXT_CHARACTERS,
  Text,
  WCO_REGIONS,
  type OrganizationKind,
  type RegionCode,
} from '@hub/contracts';
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
  @ApiProperty() id!: string;
  @ApiProperty() code!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ enum: ORGANIZATION_KINDS }) kind!: OrganizationKind;
  @ApiPropertyOptional({ nullable: true, type: String }) country!: string | null;
  @ApiPropertyOptional({ nullable: true, enum: WCO_REGIONS }) region!: string | null;
  @ApiProperty() createdAt!: string;
}

export class ApiKeyView {
  @ApiProperty() id!: string;
  @ApiProperty({ description: 'First characters of the key, to tell keys apart.' }) prefix!: string;
  @ApiProperty() createdAt!: string;
  @ApiPropertyOptional({ nullable: true, type: String }) revokedAt?: string | null;
}

export class IssuedApiKeyView extends ApiKeyView {
  @ApiProperty({ description: 'The API key. Shown once: the hub keeps only its SHA-256 digest.' })
  apiKey!: string;
}

export class RegisteredOrganizationView {
  @ApiProperty({ type: OrganizationView }) organization!: OrganizationView;
  @ApiProperty({ type: IssuedApiKeyView }) apiKey!: IssuedApiKeyView;
}

export class OrganizationCodeParam {
  @OrganizationCode()
  code!: string;
}

export class ApiKeyParams extends OrganizationCodeParam {
  @ResourceId('keyId')
  keyId!: string;
}
