// Decorators below read design-time types; the polyfill must load before any class is defined.
import 'reflect-metadata';
import { ArrayMaxSize, IsArray, IsIn, IsNumber, IsPositive, Max, Min } from 'class-validator';
import { STRATEGIC_CATEGORIES, type StrategicCategory } from '../taxonomy/strategic-category.taxonomy';
import { ENTITY_ROLES, IDENTIFIER_KINDS, type EntityRole, type IdentifierKind } from './record.enums';
import {
  IsHsCode,
  IsIsoCountryCode,
  IsIsoCurrencyCode,
  MaxDecimalPlaces,
  Optional,
  Prose,
  Text,
  Nested,
} from '../validation/field.validators';
import { LIMITS } from './record.limits';

// Parts shared by alerts and seizure notices.

const FINITE = { allowNaN: false, allowInfinity: false } as const;

export class Commodity {
  @IsHsCode()
  hsCode!: string;

  @Prose(LIMITS.description)
  description!: string;

  @IsIn(STRATEGIC_CATEGORIES)
  category!: StrategicCategory;

  /** Control-list entry, e.g. 'EU 2B350', 'NSG TL 1.1', 'CWC Schedule 2B'. */
  @Optional()
  @Text(LIMITS.controlListRef)
  controlListRef?: string;
}

export class Quantity {
  @IsNumber(FINITE)
  @IsPositive()
  @Max(LIMITS.maxQuantity)
  value!: number;

  /** Free unit as national systems record it ('kg', 'l', 'pcs', 'g U-235'). */
  @Text(LIMITS.unit)
  unit!: string;
}

export class MonetaryAmount {
  @IsNumber(FINITE)
  @MaxDecimalPlaces(4)
  @Min(0)
  @Max(LIMITS.maxAmount)
  amount!: number;

  @IsIsoCurrencyCode()
  currency!: string;
}

export class SeizedCommodity extends Commodity {
  @Nested(() => Quantity)
  quantity!: Quantity;

  @Optional()
  @Nested(() => MonetaryAmount)
  estimatedValue?: MonetaryAmount;
}

/** Countries as ISO alpha-2 codes; they decide which regions a record concerns. */
export class Route {
  @IsIsoCountryCode()
  origin!: string;

  /** Absent means no known transit country. */
  @Optional()
  @IsArray()
  @ArrayMaxSize(LIMITS.transit)
  @IsIsoCountryCode({ each: true })
  transit?: string[];

  @IsIsoCountryCode()
  destination!: string;
}

/** A company or other entity; only non-nominal data is meant to leave a national system. */
export class Party {
  @Text(LIMITS.shortText)
  name!: string;

  @IsIn(ENTITY_ROLES)
  role!: EntityRole;

  /** Often unknown for foreign parties. */
  @Optional()
  @IsIsoCountryCode()
  country?: string;
}

export class ConsignmentIdentifier {
  @IsIn(IDENTIFIER_KINDS)
  kind!: IdentifierKind;

  @Text(LIMITS.identifierValue)
  value!: string;
}
