import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, Matches } from 'class-validator';
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
import { PageCursor, PageLimit } from '../http/page-query';
import { ResourceId } from '../http/request-parameters';

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

  @PageCursor({ maxLength: 200 })
  cursor?: string;

  @PageLimit({ maximum: 200, default: 50 })
  limit?: number;
}

export class RecordIdParam {
  @ResourceId('id')
  id!: string;
}
