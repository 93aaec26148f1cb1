import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, Matches, Max, MaxLength, Min } from 'class-validator';
import {
  HS_PREFIX_PATTERN,
  OPERATION_CODE_PATTERN,
  IsDateTime,
  IsHsPrefix,
  STRATEGIC_CATEGORIES,
  type StrategicCategory,
  WCO_REGIONS,
  type RegionCode,
} from '@hub/contracts';
import { QueryInteger, ResourceId } from '../http/request-parameters';

export class RecordListQuery {
  @ApiPropertyOptional({ enum: WCO_REGIONS, description: 'Only records concerning this WCO region' })
  @IsOptional()
  @IsIn(WCO_REGIONS)
  region?: RegionCode;

  @ApiPropertyOptional({
    enum: STRATEGIC_CATEGORIES,
    description: 'Only records with a commodity line of this category',
  })
  @IsOptional()
  @IsIn(STRATEGIC_CATEGORIES)
  category?: StrategicCategory;

  @ApiPropertyOptional({
    example: '2844',
    pattern: HS_PREFIX_PATTERN.source,
    description: 'HS prefix (2 to 10 digits): chapter, heading, subheading or national line',
  })
  @IsOptional()
  @IsHsPrefix()
  hs?: string;

  @ApiPropertyOptional({
    example: '2026-11-01T00:00:00Z',
    format: 'date-time',
    description: 'Only records created at or after this instant',
  })
  @IsOptional()
  @IsDateTime()
  since?: string;

  @ApiPropertyOptional({
    example: 'COSMO-3',
    pattern: OPERATION_CODE_PATTERN.source,
    description: 'Only the records of this joint operation (those the caller may read)',
  })
  @IsOptional()
  @Matches(OPERATION_CODE_PATTERN, { message: 'operation must be an operation code' })
  operation?: string;

  @ApiPropertyOptional({ maxLength: 200, description: 'The nextCursor of the previous page' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  cursor?: string;

  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: 200, default: 50 })
  @IsOptional()
  @QueryInteger()
  @Min(1)
  @Max(200)
  limit?: number;
}

export class RecordIdParam {
  @ResourceId('id')
  id!: string;
}
