import { randomBytes } from 'node:crypto';
import { EventSigningKey } from './event-signing-key';
import { SECRET_VARIABLES } from './hub-config';
import { configurationProblems, loadConfig } from './load-config';

class SigningConfig {
  @EventSigningKey()
  HUB_EVENT_SIGNING_KEY!: string;
}

const problems = (env: Record<string, string>): string[] =>
  configurationProblems(() => loadConfig(SigningConfig, env));

describe(EventSigningKey.name, () => {
  const key = randomBytes(32).toString('base64');

  it('is required', () => {
    expect(problems({}).join(' ')).toContain('HUB_EVENT_SIGNING_KEY');
    expect(problems({ HUB_EVENT_SIGNING_KEY: key })).toEqual([]);
  });

  it('refuses a short or non-base64 key without printing it', () => {
    for (const bad of [randomBytes(31).toString('base64'), `${key.slice(0, -2)}!!`]) {
      const found = problems({ HUB_EVENT_SIGNING_KEY: bad });
      expect(found).toEqual([expect.stringContaining('HUB_EVENT_SIGNING_KEY')]);
      expect(found.join(' ')).not.toContain(bad);
    }
  });

  it('is a secret, and so are the retired keys', () => {
    expect(SECRET_VARIABLES).toEqual(
      expect.arrayContaining(['HUB_EVENT_SIGNING_KEY', 'HUB_EVENT_SIGNING_KEY_PREVIOUS']),
    );
  });
});
