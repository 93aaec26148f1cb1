import { randomBytes } from 'node:crypto';
import { configurationProblems, loadConfig } from '@hub/platform';
import { GatewayConfig, gatewayTimeouts } from './gateway.config';

const required = {
  HUB_ADMIN_TOKEN: randomBytes(24).toString('base64url'),
  HUB_SECRET_KEY: randomBytes(32).toString('base64'),
};

const problems = (env: Record<string, string>): string[] =>
  configurationProblems(() => loadConfig(GatewayConfig, { ...required, ...env }));

describe(GatewayConfig.name, () => {
  it('applies production defaults for rate limits and timeouts', () => {
    const config = loadConfig(GatewayConfig, required);
    expect(config).toMatchObject({
      RATE_LIMIT_PER_MINUTE: 1200,
      RATE_LIMIT_WRITES_PER_MINUTE: 300,
      RATE_LIMIT_ADMIN_PER_MINUTE: 120,
      RATE_LIMIT_ANONYMOUS_PER_MINUTE: 30,
      DATABASE_STATEMENT_TIMEOUT_MS: 30_000,
    });
    expect(gatewayTimeouts(config)).toEqual({
      requestMs: 30_000,
      connectionMs: 120_000,
      keepAliveMs: 72_000,
    });
  });

  it('names every bad limit and timeout, never its value', () => {
    const found = problems({
      RATE_LIMIT_PER_MINUTE: '0',
      RATE_LIMIT_WRITES_PER_MINUTE: 'many',
      RATE_LIMIT_ANONYMOUS_PER_MINUTE: '-1',
      HTTP_REQUEST_TIMEOUT_MS: '10',
      HTTP_CONNECTION_TIMEOUT_MS: '20000',
      DATABASE_STATEMENT_TIMEOUT_MS: '5',
    });
    for (const variable of [
      'RATE_LIMIT_PER_MINUTE',
      'RATE_LIMIT_WRITES_PER_MINUTE',
      'RATE_LIMIT_ANONYMOUS_PER_MINUTE',
      'HTTP_REQUEST_TIMEOUT_MS',
      'HTTP_CONNECTION_TIMEOUT_MS',
      'DATABASE_STATEMENT_TIMEOUT_MS',
    ]) {
      expect(found.some((problem) => problem.startsWith(`${variable}:`))).toBe(true);
    }
    // A connection timeout below the longest long poll would cut pull feeds short.
    expect(found.join('\n')).toContain('long polls wait up to 30 s');
    expect(found.join('\n')).not.toContain('many');
  });

  it('takes an absolute http(s) HUB_PUBLIC_URL for event sources, and refuses anything else', () => {
    expect(loadConfig(GatewayConfig, required).HUB_PUBLIC_URL).toBe('http://127.0.0.1:3000');
    expect(problems({ HUB_PUBLIC_URL: 'https://hub.customs.example' })).toEqual([]);
    for (const bad of ['/organizations', 'hub.customs.example', 'ftp://hub.customs.example']) {
      expect(problems({ HUB_PUBLIC_URL: bad }).some((problem) => problem.startsWith('HUB_PUBLIC_URL:'))).toBe(
        true,
      );
    }
  });

  it('trusts no proxy unless TRUSTED_PROXIES names addresses or ranges', () => {
    expect(loadConfig(GatewayConfig, required).TRUSTED_PROXIES).toBeUndefined();
    expect(problems({ TRUSTED_PROXIES: '10.0.0.2,fd00::/8' })).toEqual([]);
    expect(problems({ TRUSTED_PROXIES: '10.0.0.2,proxy.internal' })).toEqual([
      expect.stringMatching(/^TRUSTED_PROXIES:.*IP addresses or CIDR ranges/),
    ]);
  });

  it('counts rate limits in memory unless REDIS_URL names a Redis, and never echoes a bad URL', () => {
    expect(loadConfig(GatewayConfig, required)).toMatchObject({ REDIS_KEY_PREFIX: 'cosmo-hub:' });
    expect(loadConfig(GatewayConfig, required).REDIS_URL).toBeUndefined();
    expect(problems({ REDIS_URL: 'rediss://:s3cret@redis.hub.internal:6380/2' })).toEqual([]);
    const found = problems({
      REDIS_URL: 'http://:s3cret@redis.hub.internal',
      REDIS_KEY_PREFIX: 'hub prefix',
    });
    expect(found).toEqual([
      expect.stringMatching(/^REDIS_URL: REDIS_URL must be a redis:\/\/ or rediss:\/\/ URL/),
      expect.stringMatching(/^REDIS_KEY_PREFIX:/),
    ]);
    expect(found.join('\n')).not.toContain('s3cret');
  });

  it('bounds subscription replays, 30 days and 1000 records unless configured', () => {
    expect(loadConfig(GatewayConfig, required)).toMatchObject({
      SUBSCRIPTION_REPLAY_MAX_DAYS: 30,
      SUBSCRIPTION_REPLAY_MAX_RECORDS: 1000,
    });
    expect(
      loadConfig(GatewayConfig, {
        ...required,
        SUBSCRIPTION_REPLAY_MAX_DAYS: '0',
        SUBSCRIPTION_REPLAY_MAX_RECORDS: '5',
      }),
    ).toMatchObject({ SUBSCRIPTION_REPLAY_MAX_DAYS: 0, SUBSCRIPTION_REPLAY_MAX_RECORDS: 5 });
    const found = problems({ SUBSCRIPTION_REPLAY_MAX_DAYS: '-1', SUBSCRIPTION_REPLAY_MAX_RECORDS: '0' });
    expect(found.filter((problem) => problem.startsWith('SUBSCRIPTION_REPLAY_MAX_')).length).toBe(2);
  });
});
