import { applyDecorators } from '@nestjs/common';
import { ApiProperty } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsInt, Matches } from 'class-validator';
import { IsOrganizationCode, ORGANIZATION_CODE_INPUT_PATTERN } from '@hub/contracts';

/** Ids the hub issues: lowercase UUIDs, as PostgreSQL prints them. */
export const RESOURCE_ID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** A path parameter holding a hub id: checked before any query runs, and documented as such. */
export function ResourceId(name: string): PropertyDecorator {
  return applyDecorators(
    ApiProperty({ format: 'uuid', pattern: RESOURCE_ID_PATTERN.source }),
    Matches(RESOURCE_ID_PATTERN, { message: `${name} must be a UUID` }),
  );
}

/** A path parameter holding an organization code, in either case (`FR-Customs` is `fr-customs`). */
export function OrganizationCode(): PropertyDecorator {
  return applyDecorators(
    ApiProperty({
      pattern: ORGANIZATION_CODE_INPUT_PATTERN.source,
      description: 'Organization code; letters in either case, read as lowercase',
    }),
    IsOrganizationCode(),
  );
}

/**
 * A query parameter holding a whole number, written in decimal digits. Number() would also read
 * '0x10', '1e2', ' 5' or '5.0'; those stay text here and are refused as not an integer.
 */
export function QueryInteger(): PropertyDecorator {
  return applyDecorators(
    Transform(({ value }: { value: unknown }) =>
      typeof value === 'string' && /^\d{1,15}$/.test(value) ? Number(value) : value,
    ),
    IsInt(),
  );
}
