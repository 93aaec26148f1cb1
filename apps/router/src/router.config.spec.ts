import { randomBytes } from 'node:crypto';
import { configurationProblems, loadConfig, SECRET_VARIABLES } from '@hub/platform';
import { RouterConfig } from './router.config';

const key = randomBytes(32).toString('base64');

const problems = (schema: new () => object, env: Record<string, string>): string[] =>
  configurationProblems(() => loadConfig(schema, env));

describe('RouterConfig: event signing key', () => {
  it.each([RouterConfig])('%p refuses to start without one', (schema) => {
    expect(problems(schema, {}).join(' ')).toContain('HUB_EVENT_SIGNING_KEY');
    expect(problems(schema, { HUB_EVENT_SIGNING_KEY: key })).toEqual([]);
  });

  it.each([RouterConfig])('%p refuses a short or non-base64 key without printing it', (schema) => {
    for (const bad of [randomBytes(31).toString('base64'), `${key.slice(0, -2)}!!`]) {
      const found = problems(schema, { HUB_EVENT_SIGNING_KEY: bad });
      expect(found).toEqual([expect.stringContaining('HUB_EVENT_SIGNING_KEY')]);
      expect(found.join(' ')).not.toContain(bad);
    }
  });

  it('lets the router accept retired keys, comma-separated', () => {
    const retired = [randomBytes(32), randomBytes(48)].map((bytes) => bytes.toString('base64')).join(',');
    expect(
      loadConfig(RouterConfig, { HUB_EVENT_SIGNING_KEY: key, HUB_EVENT_SIGNING_KEY_PREVIOUS: retired })
        .HUB_EVENT_SIGNING_KEY_PREVIOUS,
    ).toBe(retired);
    expect(
      problems(RouterConfig, {
        HUB_EVENT_SIGNING_KEY: key,
        HUB_EVENT_SIGNING_KEY_PREVIOUS: `${retired},short`,
      }),
    ).toEqual([expect.stringContaining('HUB_EVENT_SIGNING_KEY_PREVIOUS')]);
  });

  it('marks both as secrets', () => {
    expect(SECRET_VARIABLES).toEqual(
      expect.arrayContaining(['HUB_EVENT_SIGNING_KEY', 'HUB_EVENT_SIGNING_KEY_PREVIOUS']),
    );
  });
});
