import { Transform } from 'class-transformer';

/**
 * Reads an environment flag from its raw text: implicit conversion would turn
 * the string 'false' into `true`. Anything but 'true'/'false' is left for the
 * validator to refuse.
 */
export const EnvBoolean = (): PropertyDecorator =>
  Transform(({ obj, key }: { obj: Record<string, unknown>; key: string }) => {
    const raw = obj[key];
    if (raw === 'true' || raw === true) return true;
    if (raw === 'false' || raw === false) return false;
    return raw;
  });
