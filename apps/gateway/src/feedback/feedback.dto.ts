import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';
import { PageCursor, PageLimit } from '../http/page-query';

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

  @PageCursor({ maxLength: 200 })
  cursor?: string;

  @PageLimit({ maximum: 200, default: 50 })
  limit?: number;
}

export class EscalationListQuery {
  @PageCursor({ maxLength: 200 })
  cursor?: string;

  @PageLimit({ maximum: 200, default: 50 })
  limit?: number;
}
