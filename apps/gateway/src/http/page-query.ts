import { applyDecorators } from '@nestjs/common';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { QueryInteger } from './request-parameters';

// The decorators are applied in the order a stack of them written above the property applies
// (bottom up), so the constraints, and the validation messages, keep their order.

/** An optional query parameter holding the opaque cursor of a paged list (the previous page's nextCursor). */
export function PageCursor(options: { maxLength: number; description?: string }): PropertyDecorator {
  const { maxLength, description = 'The nextCursor of the previous page' } = options;
  return applyDecorators(
    MaxLength(maxLength),
    IsString(),
    IsOptional(),
    ApiPropertyOptional({ maxLength, description }),
  );
}

/** An optional query parameter holding a page size: a whole number from 1 to `maximum`, `default` when omitted. */
export function PageLimit(options: { maximum: number; default: number }): PropertyDecorator {
  const { maximum } = options;
  return applyDecorators(
    Max(maximum),
    Min(1),
    QueryInteger(),
    IsOptional(),
    ApiPropertyOptional({ type: 'integer', minimum: 1, maximum, default: options.default }),
  );
}
