import { randomBytes } from 'node:crypto';
import { configurationProblems, loadConfig } from '@hub/platform';
import { NotifierConfig } from './notifier.config';

const key = randomBytes(32).toString('base64');

const problems = (env: Record<string, string>): string[] =>
  configurationProblems(() => loadConfig(NotifierConfig, env));

describe(NotifierConfig.name, () => {
  it('applies the defaults', () => {
    const config = loadConfig(NotifierConfig, { HUB_SECRET_KEY: key });
    expect(config).toMatchObject({
      NOTIFIER_PORT: 3002,
      WEBHOOK_TIMEOUT_MS: 10_000,
      WEBHOOK_RETRY_SCHEDULE_MS: '0,5000,300000,1800000,7200000,18000000,36000000,50400000,72000000,86400000',
      WEBHOOK_ALLOW_PRIVATE_TARGETS: false,
      WEBHOOK_MAX_IN_FLIGHT: 32,
      WEBHOOK_PAUSE_AFTER_FAILURES: 3,
      NOTIFIER_POLL_INTERVAL_MS: 200,
    });
  });

  it('reads true and false strictly', () => {
    expect(
      loadConfig(NotifierConfig, { HUB_SECRET_KEY: key, WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true' }),
    ).toMatchObject({
      WEBHOOK_ALLOW_PRIVATE_TARGETS: true,
    });
    expect(
      loadConfig(NotifierConfig, { HUB_SECRET_KEY: key, WEBHOOK_ALLOW_PRIVATE_TARGETS: 'false' }),
    ).toMatchObject({
      WEBHOOK_ALLOW_PRIVATE_TARGETS: false,
    });
    expect(problems({ HUB_SECRET_KEY: key, WEBHOOK_ALLOW_PRIVATE_TARGETS: 'yes' })).toEqual([
      'WEBHOOK_ALLOW_PRIVATE_TARGETS: WEBHOOK_ALLOW_PRIVATE_TARGETS must be true or false',
    ]);
  });

  it('requires a 32-byte secret key and a well-formed schedule, naming them without their values', () => {
    const found = problems({ WEBHOOK_RETRY_SCHEDULE_MS: '0,5s', WEBHOOK_TIMEOUT_MS: '5' });
    expect([...new Set(found.map((problem) => problem.split(':')[0]))].sort()).toEqual([
      'HUB_SECRET_KEY',
      'WEBHOOK_RETRY_SCHEDULE_MS',
      'WEBHOOK_TIMEOUT_MS',
    ]);
    const short = randomBytes(16).toString('base64');
    expect(problems({ HUB_SECRET_KEY: short }).join(' ')).not.toContain(short);
    expect(
      loadConfig(NotifierConfig, { HUB_SECRET_KEY: key, WEBHOOK_RETRY_SCHEDULE_MS: '0, 50,100' }),
    ).toMatchObject({ WEBHOOK_RETRY_SCHEDULE_MS: '0, 50,100' });
  });
});
