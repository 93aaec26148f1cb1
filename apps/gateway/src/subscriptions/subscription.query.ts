import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, Matches, Max, Min, ValidateBy } from 'class-validator';
import { DELIVERY_STATUSES, type DeliveryStatus } from '@hub/persistence';
import { PageCursor, PageLimit } from '../http/page-query';
import { QueryInteger, RESOURCE_ID_PATTERN, ResourceId } from '../http/request-parameters';
import { isEntryPosition } from './feed-cursor';

export class SubscriptionListQuery {
  @ApiPropertyOptional({
    format: 'uuid',
    pattern: RESOURCE_ID_PATTERN.source,
    description: 'The last subscription of the previous page (given in the `Link` header); omit to start',
  })
  @IsOptional()
  @Matches(RESOURCE_ID_PATTERN, { message: 'after must be a UUID' })
  after?: string;

  @PageLimit({ maximum: 500, default: 200 })
  limit?: number;
}

export class FeedQuery {
  @PageCursor({
    maxLength: 100,
    description: 'The nextCursor of the previous page; omit to start at the beginning',
  })
  after?: string;

  @PageLimit({ maximum: 500, default: 100 })
  limit?: number;

  @ApiPropertyOptional({
    type: 'integer',
    minimum: 0,
    maximum: 30,
    default: 0,
    description: 'Seconds to hold an empty page open (long poll)',
  })
  @IsOptional()
  @QueryInteger()
  @Min(0)
  @Max(30)
  wait?: number;
}

export class DeliveryLogQuery {
  @ApiPropertyOptional({
    pattern: '^(0|[1-9][0-9]{0,18})$',
    description: 'The nextCursor of the previous page (older deliveries)',
  })
  @IsOptional()
  @ValidateBy({
    name: 'isDeliveryCursor',
    validator: {
      validate: (value: unknown) => typeof value === 'string' && isEntryPosition(value),
      defaultMessage: () => 'before must be a cursor returned by this list',
    },
  })
  before?: string;

  @PageLimit({ maximum: 500, default: 50 })
  limit?: number;

  @ApiPropertyOptional({ enum: [...DELIVERY_STATUSES] })
  @IsOptional()
  @IsIn([...DELIVERY_STATUSES])
  status?: DeliveryStatus;
}

export class DeliveryParams {
  @ResourceId('id')
  id!: string;

  @ResourceId('deliveryId')
  deliveryId!: string;
}
