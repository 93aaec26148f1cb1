import { randomBytes } from 'node:crypto';
import { configurationProblems, loadConfig } from '@hub/platform';
import { RouterConfig } from './router.config';

const key = randomBytes(32).toString('base64');
const problems = (env: Record<string, string>): string[] =>
  configurationProblems(() => loadConfig(RouterConfig, env));

describe(RouterConfig.name, () => {
  it('refuses to start without the key that verifies the relay’s signatures', () => {
    expect(problems({}).join(' ')).toContain('HUB_EVENT_SIGNING_KEY');
    expect(problems({ HUB_EVENT_SIGNING_KEY: `${key.slice(0, -2)}!!` })).toEqual([
      expect.stringContaining('HUB_EVENT_SIGNING_KEY'),
    ]);
    expect(loadConfig(RouterConfig, { HUB_EVENT_SIGNING_KEY: key }).DATABASE_POOL_SIZE).toBe(4);
  });

  it('accepts retired keys, comma-separated', () => {
    const retired = [randomBytes(32), randomBytes(48)].map((bytes) => bytes.toString('base64')).join(',');
    expect(
      loadConfig(RouterConfig, { HUB_EVENT_SIGNING_KEY: key, HUB_EVENT_SIGNING_KEY_PREVIOUS: retired })
        .HUB_EVENT_SIGNING_KEY_PREVIOUS,
    ).toBe(retired);
    expect(
      problems({ HUB_EVENT_SIGNING_KEY: key, HUB_EVENT_SIGNING_KEY_PREVIOUS: `${retired},short` }),
    ).toEqual([expect.stringContaining('HUB_EVENT_SIGNING_KEY_PREVIOUS')]);
  });
});
