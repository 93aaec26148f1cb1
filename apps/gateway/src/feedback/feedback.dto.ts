import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { QueryInteger } from '../http/request-parameters';

export const INBOX_STATUSES = ['unacknowledged', 'acknowledged', 'all'] as const;

export class InboxQuery {
  @ApiPropertyOptional({
    enum: INBOX_STATUSES,
    default: 'all',
    description: 'Only the alerts the caller has (not) acknowledged by any feedback',
  })
  @IsOptional()
  @IsIn(INBOX_STATUSES)
  status?: (typeof INBOX_STATUSES)[number];

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

export class EscalationListQuery {
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
