import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsString, Length, Matches, ValidateIf } from 'class-validator';
import {
  ORGANIZATION_CODE_PATTERN,
  ORGANIZATION_KINDS,
  WCO_REGIONS,
  type OrganizationKind,
  type RegionCode,
} from '@hub/contracts';
import { OrganizationCode, ResourceId } from '../http/path-parameters';

export class CreateOrganizationDto {
  @ApiProperty({
    example: 'fr-customs',
    description: 'Stable lowercase code other organizations use to address this one.',
  })
  @IsString()
  @Matches(ORGANIZATION_CODE_PATTERN)
  code!: string;

  @ApiProperty({ example: 'French Customs (DGDDI)' })
  @IsString()
  @Length(2, 200)
  name!: string;

  @ApiProperty({ enum: ORGANIZATION_KINDS })
  @IsIn(ORGANIZATION_KINDS)
  kind!: OrganizationKind;

  @ApiPropertyOptional({
    example: 'FR',
    description: 'ISO 3166-1 alpha-2 of a WCO member; required for members.',
  })
  @ValidateIf((dto: CreateOrganizationDto) => dto.kind === 'member' || dto.country !== undefined)
  @IsString()
  @Matches(/^[A-Z]{2}$/, { message: 'country must be an ISO 3166-1 alpha-2 code' })
  country?: string;

  @ApiPropertyOptional({
    enum: WCO_REGIONS,
    description: 'The WCO region a RILO serves; required for RILOs.',
  })
  @ValidateIf((dto: CreateOrganizationDto) => dto.kind === 'rilo' || dto.region !== undefined)
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
