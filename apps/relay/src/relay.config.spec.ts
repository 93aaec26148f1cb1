import { randomBytes } from 'node:crypto';
import { configurationProblems, loadConfig } from '@hub/platform';
import { RelayConfig } from './relay.config';

const key = randomBytes(32).toString('base64');
const problems = (env: Record<string, string>): string[] =>
  configurationProblems(() => loadConfig(RelayConfig, env));

describe(RelayConfig.name, () => {
  it('refuses to start without an event signing key, or with a short one', () => {
    expect(problems({}).join(' ')).toContain('HUB_EVENT_SIGNING_KEY');
    expect(problems({ HUB_EVENT_SIGNING_KEY: randomBytes(31).toString('base64') })).toEqual([
      expect.stringContaining('HUB_EVENT_SIGNING_KEY'),
    ]);
    expect(problems({ HUB_EVENT_SIGNING_KEY: key })).toEqual([]);
  });

  it('keeps a small database pool unless DATABASE_POOL_SIZE says otherwise', () => {
    expect(loadConfig(RelayConfig, { HUB_EVENT_SIGNING_KEY: key }).DATABASE_POOL_SIZE).toBe(6);
    expect(
      loadConfig(RelayConfig, { HUB_EVENT_SIGNING_KEY: key, DATABASE_POOL_SIZE: '8' }).DATABASE_POOL_SIZE,
    ).toBe(8);
  });
});
