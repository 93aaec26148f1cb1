import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, Matches, Max, MaxLength, Min } from 'class-validator';
import { IsDateTime, IsOrganizationCode, ORGANIZATION_CODE_INPUT_PATTERN } from '@hub/contracts';
import { AUDIT_ACTIONS, AUDIT_OUTCOMES, type AuditAction, type AuditOutcome } from '@hub/persistence';
import { QueryInteger, RESOURCE_ID_PATTERN } from '../http/request-parameters';

export class AuditQuery {
  @ApiPropertyOptional({
    example: 'fr-customs',
    pattern: ORGANIZATION_CODE_INPUT_PATTERN.source,
    description:
      'Only entries of this actor: an organization code (either case), `operator`, or a service (`router`)',
  })
  @IsOptional()
  @IsString()
  @IsOrganizationCode({ message: 'actor must be an organization code, operator or a service' })
  actor?: string;

  @ApiPropertyOptional({ enum: AUDIT_ACTIONS, description: 'Only entries of this action' })
  @IsOptional()
  @IsIn(AUDIT_ACTIONS)
  action?: AuditAction;

  @ApiPropertyOptional({
    format: 'uuid',
    pattern: RESOURCE_ID_PATTERN.source,
    description: 'Only entries concerning this record',
  })
  @IsOptional()
  @Matches(RESOURCE_ID_PATTERN, { message: 'recordId must be a UUID' })
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
    format: 'date-time',
    description: 'Only entries at or after this instant',
  })
  @IsOptional()
  @IsDateTime()
  since?: string;

  @ApiPropertyOptional({
    example: '2026-12-01T00:00:00Z',
    format: 'date-time',
    description: 'Only entries before this instant',
  })
  @IsOptional()
  @IsDateTime()
  until?: string;

  @ApiPropertyOptional({
    maxLength: 100,
    description: 'The nextCursor of the previous page; omit to start at the beginning',
  })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  cursor?: string;

  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: 500, default: 100 })
  @IsOptional()
  @QueryInteger()
  @Min(1)
  @Max(500)
  limit?: number;
}
