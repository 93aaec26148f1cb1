import { IsInt, IsString, Max, Min } from 'class-validator';
import { ConfigurationError, configurationProblems, declaredVariables, loadConfig } from './load-config';

class SampleConfig {
  @IsString()
  NAME: string = 'hub';

  @IsInt()
  @Min(1)
  @Max(65535)
  PORT: number = 3000;
}

describe(loadConfig.name, () => {
  it('applies defaults and converts numbers', () => {
    expect(loadConfig(SampleConfig, { PORT: '8080' })).toEqual(
      Object.assign(new SampleConfig(), { PORT: 8080 }),
    );
    expect(loadConfig(SampleConfig, {}).PORT).toBe(3000);
  });

  it('names every bad variable without echoing values', () => {
    let caught: unknown;
    try {
      loadConfig(SampleConfig, { PORT: '70000-secret' });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ConfigurationError);
    const problems = (caught as ConfigurationError).problems;
    expect(problems.some((problem) => problem.startsWith('PORT:'))).toBe(true);
    expect((caught as Error).message).not.toContain('secret');
  });

  it('ignores variables the class does not declare', () => {
    const config = loadConfig(SampleConfig, { HOME: '/root', NAME: 'x' });
    expect(Reflect.get(config, 'HOME')).toBeUndefined();
    expect(declaredVariables(SampleConfig)).toEqual(['NAME', 'PORT']);
  });
});

describe(configurationProblems.name, () => {
  it('lists what the step refuses, none when it passes, and lets any other error through', () => {
    expect(configurationProblems(() => loadConfig(SampleConfig, {}))).toEqual([]);
    expect(configurationProblems(() => loadConfig(SampleConfig, { PORT: '0' }))).toEqual([
      expect.stringMatching(/^PORT:/),
    ]);
    expect(() =>
      configurationProblems(() => {
        throw new TypeError('not configuration');
      }),
    ).toThrow(TypeError);
  });
});
