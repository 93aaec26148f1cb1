import { ArrayMaxSize, ArrayUnique, IsArray, IsIn } from 'class-validator';
import { HANDLING_CODES } from './record.enums';
import { LIMITS } from './record.limits';
import {
  IsIsoCountryCode,
  IsOrganizationCode,
  Optional,
  RecipientsFitHandling,
  OperationFitsHandling,
} from '../validation/field.validators';
import { OperationCode } from '../operations/operation.contract';

/**
 * The decorators as if written one above the other over the property: applied bottom up, as
 * TypeScript applies a stack, so the rules (and the validation messages) keep their order.
 */
function stacked(...decorators: PropertyDecorator[]): PropertyDecorator {
  return (target: object, property: string | symbol): void => {
    for (const decorator of [...decorators].reverse()) decorator(target, property);
  };
}

/** A list of at most `limit` distinct codes, each checked by `code`, as stacked decorators. */
function codeList(limit: number, code: PropertyDecorator): PropertyDecorator[] {
  return [IsArray(), ArrayMaxSize(limit), ArrayUnique(), code];
}

/**
 * The rules of the audience fields, who may read a record and who must never, which alerts and
 * seizure notices share. Each class declares the fields in its own place (the order of a class's
 * fields is the order of its validation messages and of `required` in its schema) and takes the
 * rules from here.
 */
export const AudienceField = {
  handling: (): PropertyDecorator => IsIn(HANDLING_CODES),

  /**
   * The joint operation the record belongs to (its code); the originator must take part in it and
   * it must be active. Fixed for the record's life. With handling 'operation', only the
   * operation's participants and observers, the Secretariat and the originator read it.
   */
  operation: (): PropertyDecorator => stacked(OperationFitsHandling(), OperationCode()),

  /** Organization codes; required and non-empty exactly when handling is 'restricted'. */
  recipients: (): PropertyDecorator =>
    stacked(RecipientsFitHandling(), ...codeList(LIMITS.recipients, IsOrganizationCode({ each: true }))),

  /**
   * Tip-off protection: organizations that must never see the record, on any channel, even where
   * its handling would admit them (the WCO Secretariat still does; the originator cannot name itself).
   */
  excludeOrganizations: (): PropertyDecorator =>
    stacked(Optional(), ...codeList(LIMITS.excludeOrganizations, IsOrganizationCode({ each: true }))),

  /**
   * Tip-off protection by country: no organization registered in these countries sees the record
   * (a RILO has no country: name it in excludeOrganizations). Also keeps the record off the
   * regional streams of their regions.
   */
  excludeCountries: (): PropertyDecorator =>
    stacked(Optional(), ...codeList(LIMITS.excludeCountries, IsIsoCountryCode({ each: true }))),
};
