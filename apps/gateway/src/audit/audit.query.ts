import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, Matches } from 'class-validator';
import { Transform } from 'class-transformer';
import { IsDateTime, normalizeOrganizationCode } from '@hub/contracts';
import { AUDIT_ACTIONS, AUDIT_OUTCOMES, type AuditAction, type AuditOutcome } from '@hub/persistence';
import { PageCursor, PageLimit } from '../http/page-query';
import { RESOURCE_ID_PATTERN } from '../http/request-parameters';

/** An organization code or a service, or `operator:<name>`: an audit entry's actor code. */
const ACTOR_PATTERN = /^(operator:)?[a-z0-9][a-z0-9-]{1,39}$/;
const ACTOR_INPUT_PATTERN = /^(operator:)?[A-Za-z0-9][A-Za-z0-9-]{1,39}$/;

export class AuditQuery {
  @ApiPropertyOptional({
    example: 'fr-customs',
    pattern: ACTOR_INPUT_PATTERN.source,
    description:
      'Only entries of this actor: an organization code (either case), an operator (`operator:<name>`, `operator:bootstrap` for HUB_ADMIN_TOKEN), or a service (`router`)',
  })
  @IsOptional()
  @IsString()
  @Transform(({ value }: { value: unknown }) => normalizeOrganizationCode(value), { toClassOnly: true })
  @Matches(ACTOR_PATTERN, { message: 'actor must be an organization code, operator:<name> or a service' })
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

  @PageCursor({
    maxLength: 100,
    description: 'The nextCursor of the previous page; omit to start at the beginning',
  })
  cursor?: string;

  @PageLimit({ maximum: 500, default: 100 })
  limit?: number;
}
