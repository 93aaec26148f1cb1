import { IsBoolean } from 'class-validator';
import { EnvBoolean } from './env-boolean';
import { ConfigurationError, loadConfig } from './load-config';

class FlagConfig {
  @EnvBoolean()
  @IsBoolean()
  FLAG: boolean = false;
}

describe(EnvBoolean.name, () => {
  it.each([
    ['true', true],
    ['false', false],
  ])('reads %p as %p (not as a truthy string)', (raw, expected) => {
    expect(loadConfig(FlagConfig, { FLAG: raw }).FLAG).toBe(expected);
  });

  it('keeps the default when unset and refuses other words', () => {
    expect(loadConfig(FlagConfig, {}).FLAG).toBe(false);
    expect(() => loadConfig(FlagConfig, { FLAG: 'yes' })).toThrow(ConfigurationError);
  });
});
