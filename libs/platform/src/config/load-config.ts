import { plainToInstance } from 'class-transformer';
import { getMetadataStorage, validateSync, type ValidationError } from 'class-validator';

/** Thrown at boot when the environment does not satisfy an app's configuration class. */
export class ConfigurationError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigurationError';
  }
}

function describe(errors: ValidationError[]): string[] {
  return errors.flatMap((error) =>
    Object.values(error.constraints ?? {}).map((reason) => `${error.property}: ${reason}`),
  );
}

/** The variables a configuration class declares (every property carries a validation decorator). */
export function declaredVariables(schema: new () => object): string[] {
  const metadata = getMetadataStorage().getTargetValidationMetadatas(schema, '', true, false);
  return [...new Set(metadata.map((entry) => entry.propertyName))].sort();
}

/**
 * Validates the environment once into a typed configuration object. Every bad
 * variable is named in one error so that an operator fixes them all at once.
 * The messages name the variable and the rule, never its value, so secrets stay out of logs.
 */
export function loadConfig<T extends object>(
  schema: new () => T,
  env: Record<string, string | undefined> = process.env,
): T {
  const declared = Object.fromEntries(
    declaredVariables(schema)
      .map((name) => [name, env[name]] as const)
      .filter(([, value]) => value !== undefined && value !== ''),
  );
  const config = plainToInstance(schema, declared, {
    enableImplicitConversion: true,
    exposeDefaultValues: true,
  });
  const errors = validateSync(config, { forbidUnknownValues: true });
  if (errors.length > 0) {
    throw new ConfigurationError(describe(errors));
  }
  return config;
}

/** What a configuration step refuses (none: []): for a caller that lists the problems rather than stop. */
export function configurationProblems(step: () => unknown): string[] {
  try {
    step();
    return [];
  } catch (error) {
    if (error instanceof ConfigurationError) return error.problems;
    throw error;
  }
}
