import { IsString, Matches } from 'class-validator';
import { PROVENANCE_KEY_PATTERN } from '@hub/contracts';

/**
 * HUB_EVENT_SIGNING_KEY: the key the relay signs canonical events with and the router verifies
 * them with (the hub-provenance header), so both services validate it alike: at least 32 random
 * bytes, base64 (`openssl rand -base64 32`). The message never carries the value.
 */
export const EventSigningKey =
  (): PropertyDecorator =>
  (target: object, property: string | symbol): void => {
    IsString()(target, property);
    Matches(PROVENANCE_KEY_PATTERN, {
      message: 'HUB_EVENT_SIGNING_KEY must be at least 32 random bytes, base64-encoded',
    })(target, property);
  };
