/**
 * Two gateways on one database and one Redis, as behind a load balancer: an organization has one
 * budget however many gateways it calls, and a key revoked, an operator token revoked or an
 * organization suspended through one gateway is refused by the other within a second (its
 * NOTIFY, not the key cache's expiry: the gateways here remember keys for a minute).
 */
import {
  ADMIN_TOKEN,
  api,
  type ApiResponse,
  METRICS_TOKEN,
  registerOrganization,
  type RunningService,
  startGateway,
  type TestOrganization,
} from './support/hub-harness';
import {
  deleteRedisKeys,
  TEST_REDIS_URL,
  testRedisPrefix,
  UNREACHABLE_REDIS_URL,
} from './support/test-redis';

/** Longer than the file: a remembered key is forgotten only through the NOTIFY. */
const KEY_CACHE_MS = '60000';
const PROMPT_MS = 1000;

interface HealthBody {
  status: string;
  checks: Record<string, { up: boolean; detail?: string }>;
}

function expectTooManyRequests(response: ApiResponse): void {
  expect(response.status).toBe(429);
  const retryAfter = Number(response.headers.get('retry-after'));
  expect(retryAfter).toBeGreaterThanOrEqual(1);
  expect(retryAfter).toBeLessThanOrEqual(60);
  expect((response.body as { detail: string }).detail).toContain('organization budget of 10 requests');
}

/**
 * Polls `gateway` until `call` is answered `status`, from the moment the change's answer came;
 * returns how long that took (or fails past PROMPT_MS).
 */
async function refusalDelay(
  call: () => Promise<ApiResponse>,
  status: number,
  since: number,
): Promise<number> {
  for (;;) {
    const answer = await call();
    const elapsed = Date.now() - since;
    if (answer.status === status) return elapsed;
    if (elapsed > PROMPT_MS) throw new Error(`still answered ${answer.status} after ${elapsed} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('two gateways sharing their rate limits and revocations', () => {
  const prefix = testRedisPrefix('gateways');
  const shared = {
    REDIS_URL: TEST_REDIS_URL,
    REDIS_KEY_PREFIX: prefix,
    RATE_LIMIT_PER_MINUTE: '10',
    API_KEY_CACHE_MS: KEY_CACHE_MS,
  };
  let east: RunningService;
  let west: RunningService;
  let france: TestOrganization;
  const delays: Record<string, number> = {};

  beforeAll(async () => {
    east = await startGateway(undefined, shared);
    west = await startGateway(undefined, shared);
    france = await registerOrganization(east.url, { kind: 'member', country: 'FR' });
  });

  afterAll(async () => {
    process.stdout.write(
      `[gateways] refused by the other gateway after: ${Object.entries(delays)
        .map(([what, ms]) => `${what} ${ms} ms`)
        .join(', ')}\n`,
    );
    await west?.close();
    await east?.close();
    await deleteRedisKeys(prefix);
  });

  it('gives an organization one budget across gateways: 6 requests on each against 10 a minute, the 11th and 12th get 429', async () => {
    const answers: ApiResponse[] = [];
    for (let round = 0; round < 6; round += 1)
      for (const gateway of [east, west])
        answers.push(await api(gateway.url, 'GET', '/v1/subscriptions', { key: france.apiKey }));
    expect(answers.map((answer) => answer.status)).toEqual([...Array(10).fill(200), 429, 429]);
    expect(answers[9].headers.get('x-ratelimit-remaining-organization')).toBe('0');
    for (const refused of answers.slice(10)) expectTooManyRequests(refused);
  });

  it('reports at /health that the limits are counted in Redis', async () => {
    const health = await api<HealthBody>(west.url, 'GET', '/health', { key: METRICS_TOKEN });
    expect(health.status).toBe(200);
    expect(health.body.checks.rateLimits).toMatchObject({ up: true, detail: expect.stringMatching(/Redis/) });
  });

  it('refuses an API key revoked through the other gateway within a second', async () => {
    const member = await registerOrganization(east.url, { kind: 'member', country: 'DE' });
    const keys = await api<{ id: string }[]>(
      east.url,
      'GET',
      `/v1/admin/organizations/${member.code}/api-keys`,
      {
        key: ADMIN_TOKEN,
      },
    );
    // West remembers the key.
    expect((await api(west.url, 'GET', '/v1/subscriptions', { key: member.apiKey })).status).toBe(200);
    const revoked = await api(
      east.url,
      'DELETE',
      `/v1/admin/organizations/${member.code}/api-keys/${keys.body[0].id}`,
      {
        key: ADMIN_TOKEN,
      },
    );
    const since = Date.now();
    expect(revoked.status).toBe(204);
    delays.apiKey = await refusalDelay(
      () => api(west.url, 'GET', '/v1/subscriptions', { key: member.apiKey }),
      401,
      since,
    );
    expect(delays.apiKey).toBeLessThan(PROMPT_MS);
  });

  it('refuses the keys of an organization suspended through the other gateway within a second', async () => {
    const member = await registerOrganization(east.url, { kind: 'member', country: 'NG' });
    expect((await api(west.url, 'GET', '/v1/subscriptions', { key: member.apiKey })).status).toBe(200);
    const suspended = await api(east.url, 'POST', `/v1/admin/organizations/${member.code}/suspend`, {
      key: ADMIN_TOKEN,
      body: { reason: 'Keys leaked: under investigation' },
    });
    const since = Date.now();
    expect(suspended.status).toBe(200);
    delays.suspension = await refusalDelay(
      () => api(west.url, 'GET', '/v1/subscriptions', { key: member.apiKey }),
      403,
      since,
    );
    expect(delays.suspension).toBeLessThan(PROMPT_MS);
  });

  it("refuses an operator's token revoked through the other gateway within a second", async () => {
    const issued = await api<{ id: string; token: string }>(east.url, 'POST', '/v1/admin/operators', {
      key: ADMIN_TOKEN,
      body: { name: `duty-officer-${prefix.slice(-9, -1)}` },
    });
    expect(issued.status).toBe(201);
    const listOperators = () => api(west.url, 'GET', '/v1/admin/operators', { key: issued.body.token });
    expect((await listOperators()).status).toBe(200);
    const revoked = await api(east.url, 'DELETE', `/v1/admin/operators/${issued.body.id}`, {
      key: ADMIN_TOKEN,
    });
    const since = Date.now();
    expect(revoked.status).toBe(204);
    delays.operatorToken = await refusalDelay(listOperators, 401, since);
    expect(delays.operatorToken).toBeLessThan(PROMPT_MS);
  });
});

describe('a gateway whose Redis does not answer', () => {
  let alone: RunningService;
  let france: TestOrganization;

  beforeAll(async () => {
    alone = await startGateway(undefined, { REDIS_URL: UNREACHABLE_REDIS_URL, RATE_LIMIT_PER_MINUTE: '10' });
    france = await registerOrganization(alone.url, { kind: 'member', country: 'FR' });
  });

  afterAll(() => alone?.close());

  it('keeps serving and counts in its own memory (fail-open to one instance’s budget), and says so at /health', async () => {
    const answers: number[] = [];
    for (let request = 0; request < 11; request += 1)
      answers.push((await api(alone.url, 'GET', '/v1/subscriptions', { key: france.apiKey })).status);
    expect(answers).toEqual([...Array(10).fill(200), 429]);
    const health = await api<HealthBody>(alone.url, 'GET', '/health', { key: METRICS_TOKEN });
    expect(health.status).toBe(503);
    expect(health.body.checks.rateLimits).toMatchObject({
      up: false,
      detail: expect.stringMatching(/^Redis does not answer .*each gateway counts alone$/),
    });
    expect(health.body.checks.database.up).toBe(true);
    // Still ready: taking every gateway out of rotation for want of counters would be the outage.
    expect((await api(alone.url, 'GET', '/health/ready', { key: METRICS_TOKEN })).status).toBe(200);
    const metrics = await fetch(`${alone.url}/metrics`, {
      headers: { authorization: `Bearer ${METRICS_TOKEN}` },
    });
    const counted = /^hub_gateway_rate_limit_local_hits_total(?:\{[^}]*\})? (\d+)$/m.exec(
      await metrics.text(),
    );
    // The 11 requests above and the registration's admin call, at least.
    expect(Number(counted?.[1])).toBeGreaterThanOrEqual(12);
  });
});
