import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsISO8601, IsOptional, IsString, Matches, Max, MaxLength, Min } from 'class-validator';
import { ORGANIZATION_CODE_PATTERN } from '@hub/contracts';
import { AUDIT_ACTIONS, AUDIT_OUTCOMES, type AuditAction, type AuditOutcome } from '@hub/persistence';

export class AuditQuery {
  @ApiPropertyOptional({
    example: 'fr-customs',
    description: 'Only entries of this actor: an organization code, `operator`, or a service (`router`)',
  })
  @IsOptional()
  @IsString()
  @Matches(ORGANIZATION_CODE_PATTERN, {
    message: 'actor must be an organization code, operator or a service',
  })
  actor?: string;

  @ApiPropertyOptional({ enum: AUDIT_ACTIONS, description: 'Only entries of this action' })
  @IsOptional()
  @IsIn(AUDIT_ACTIONS)
  action?: AuditAction;

  @ApiPropertyOptional({ format: 'uuid', description: 'Only entries concerning this record' })
  @IsOptional()
  @Matches(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/, {
    message: 'recordId must be a UUID',
  })
  recordId?: string;

  @ApiPropertyOptional({
    enum: AUDIT_OUTCOMES,
    description: '`refused`: only refused attempts (401, 403, 404)',
  })
  @IsOptional()
  @IsIn(AUDIT_OUTCOMES)
  outcome?: AuditOutcome;

  @ApiPropertyOptional({
    example: '2026-11-01T00:00:00Z',
    description: 'Only entries at or after this instant',
  })
  @IsOptional()
  @IsISO8601({ strict: true })
  since?: string;

  @ApiPropertyOptional({ example: '2026-12-01T00:00:00Z', description: 'Only entries before this instant' })
  @IsOptional()
  @IsISO8601({ strict: true })
  until?: string;

  @ApiPropertyOptional({ description: 'The nextCursor of the previous page; omit to start at the beginning' })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  cursor?: string;

  @ApiPropertyOptional({ minimum: 1, maximum: 500, default: 100 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(500)
  limit?: number;
}
