import { TransformationType } from 'class-transformer';
import { defaultMetadataStorage } from 'class-transformer/cjs/storage';
import {
  IsOptional,
  ValidateIf,
  ValidationTypes,
  getMetadataStorage,
  type MetadataStorage,
} from 'class-validator';

type ValidationMetadata = ReturnType<MetadataStorage['getTargetValidationMetadatas']>[number];

/**
 * Builds record shapes from the decorated classes instead of re-declaring them: the update
 * (PATCH) bodies and the published records copy the rules of Alert and SeizureNotice, so a
 * rule changed there changes everywhere. Only class-validator and class-transformer metadata
 * is copied; the result has no own TypeScript type, callers pair it with a mapped type.
 */
export interface DerivedPart {
  from: abstract new () => object;
  /** Properties left out of the derived shape. */
  omit?: readonly string[];
  /** Custom constraints (by name) that make no sense on the derived shape. */
  dropConstraints?: readonly string[];
}

export type DerivedClass<T> = new () => T;

function sourceMetadatas(from: DerivedPart['from']): ValidationMetadata[] {
  return getMetadataStorage().getTargetValidationMetadatas(from, '', true, false);
}

function namedClass(name: string): DerivedClass<object> {
  // A computed key names the class, which class-validator-jsonschema uses as the schema name.
  return { [name]: class {} }[name];
}

/** Value transforms (organization codes are lowercased) apply to the derived shape as to its source. */
function copyTransforms(from: DerivedPart['from'], target: DerivedClass<object>, property: string): void {
  if (
    defaultMetadataStorage.findTransformMetadatas(target, property, TransformationType.PLAIN_TO_CLASS)
      .length > 0
  )
    return;
  for (const transform of defaultMetadataStorage.findTransformMetadatas(
    from,
    property,
    TransformationType.PLAIN_TO_CLASS,
  )) {
    defaultMetadataStorage.addTransformMetadata({ ...transform, target });
  }
}

function copyMetadata(
  target: DerivedClass<object>,
  parts: readonly DerivedPart[],
  keep: (meta: ValidationMetadata) => boolean,
): string[] {
  const storage = getMetadataStorage();
  const properties = new Set<string>();
  for (const part of parts) {
    for (const meta of sourceMetadatas(part.from)) {
      if (part.omit?.includes(meta.propertyName)) continue;
      if (meta.name !== undefined && part.dropConstraints?.includes(meta.name)) continue;
      if (!properties.has(meta.propertyName)) copyTransforms(part.from, target, meta.propertyName);
      properties.add(meta.propertyName);
      if (!keep(meta)) continue;
      storage.addValidationMetadata(
        Object.assign(Object.create(Object.getPrototypeOf(meta) as object) as ValidationMetadata, meta, {
          target,
        }),
      );
      const typeMeta = defaultMetadataStorage.findTypeMetadata(part.from, meta.propertyName);
      if (typeMeta && !defaultMetadataStorage.findTypeMetadata(target, meta.propertyName)) {
        defaultMetadataStorage.addTypeMetadata({ ...typeMeta, target });
      }
    }
  }
  return [...properties];
}

/** The union of the parts' properties and rules, unchanged. */
export function deriveClass<T>(name: string, parts: readonly DerivedPart[]): DerivedClass<T> {
  const derived = namedClass(name);
  copyMetadata(derived, parts, () => true);
  return derived as DerivedClass<T>;
}

function isOptionalIn(from: DerivedPart['from'], property: string): boolean {
  return sourceMetadatas(from).some(
    (meta) => meta.propertyName === property && meta.type === ValidationTypes.CONDITIONAL_VALIDATION,
  );
}

/**
 * Every property becomes optional. Properties optional in the source also accept null (a patch
 * removes them with null); required ones reject null, since the merged record would lack them.
 */
export function derivePatchClass<T>(name: string, part: DerivedPart): DerivedClass<T> {
  const derived = namedClass(name);
  const properties = copyMetadata(
    derived,
    [part],
    (meta) => meta.type !== ValidationTypes.CONDITIONAL_VALIDATION,
  );
  for (const property of properties) {
    const decorator = isOptionalIn(part.from, property)
      ? IsOptional()
      : ValidateIf((_object: object, value: unknown) => value !== undefined);
    decorator(derived.prototype as object, property);
  }
  return derived as DerivedClass<T>;
}
