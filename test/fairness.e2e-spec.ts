import { randomBytes, randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client } from 'pg';
import { startHub, memberOf, type TestHub } from './support/hub-context';
import {
  countRows,
  expectEventually,
  METRICS_TOKEN,
  type RunningService,
  startGateway,
  type TestOrganization,
} from './support/hub-harness';
import { ADMIN_URL, TEST_DATABASE } from './support/test-database';

interface Problem {
  type: string;
  status: number;
  detail: string;
}

/** Every fairness setting, so that a gateway started later does not inherit another's. */
const GENEROUS = {
  SUBSCRIPTIONS_PER_ORGANIZATION: '200',
  LONG_POLLS_PER_ORGANIZATION: '200',
  RATE_LIMIT_ANONYMOUS_PER_MINUTE: '3',
};

/** Transactions committed in the test database, read from another database (so the read is not one). */
async function committed(): Promise<number> {
  const client = new Client({ connectionString: ADMIN_URL });
  await client.connect();
  try {
    const { rows } = await client.query<{ commits: string }>(
      'SELECT xact_commit AS commits FROM pg_stat_database WHERE datname = $1',
      [TEST_DATABASE],
    );
    return Number(rows[0].commits);
  } finally {
    await client.end();
  }
}

/**
 * The transactions committed while `work` runs against a gateway of its own. A backend reports its
 * counts to pg_stat_database lazily (up to 10 s late when idle) but at once when it ends: closing
 * the gateway, whose pool and LISTEN connections end then, makes the count complete. Whatever else
 * commits meanwhile is the noise, measured the same way with `work` idle.
 */
async function commitsDuring(work: (gateway: RunningService) => Promise<void>): Promise<number> {
  const gateway = await startGateway(undefined, GENEROUS);
  const before = await committed();
  try {
    await work(gateway);
  } finally {
    await gateway.close();
  }
  await sleep(500);
  return (await committed()) - before;
}

async function get(
  url: string,
  key: string | null,
  signal?: AbortSignal,
): Promise<{ status: number; headers: Headers; body: unknown }> {
  const response = await fetch(url, { headers: key ? { authorization: `Bearer ${key}` } : {}, signal });
  return { status: response.status, headers: response.headers, body: await response.json() };
}

function expectProblem(response: { status: number; headers: Headers; body: unknown }, type: string): Problem {
  expect(response.status).toBe(429);
  expect(response.headers.get('content-type')).toContain('application/problem+json');
  const problem = response.body as Problem;
  expect(problem.type).toMatch(new RegExp(`/${type}$`));
  expect(problem.status).toBe(429);
  return problem;
}

describe('resource fairness', () => {
  let hub: TestHub;
  let france: TestOrganization;
  let germany: TestOrganization;
  let idleNoise: number;
  let polled: string;

  beforeAll(async () => {
    hub = await startHub({
      gateway: {
        env: {
          ...GENEROUS,
          SUBSCRIPTIONS_PER_ORGANIZATION: '3',
          LONG_POLLS_PER_ORGANIZATION: '2',
        },
      },
    });
    ({ france, germany } = await hub.organizations({ france: memberOf('FR'), germany: memberOf('DE') }));
    polled = (await hub.subscribe(germany)).id;
    // The idle noise of this run: a gateway started, left idle for as long as the polls wait, closed.
    idleNoise = await commitsDuring(() => sleep(10_000));
  }, 60_000);

  afterAll(async () => {
    await hub?.close();
  });

  it('holds 100 idle long polls for 10 s with no query while they wait (one read each on arrival)', async () => {
    const polls = 100;
    const id = polled;
    let answers: { status: number; body: unknown }[] = [];
    const started = Date.now();
    const commits = await commitsDuring(async (gateway) => {
      answers = await Promise.all(
        Array.from({ length: polls }, () =>
          get(`${gateway.url}/v1/subscriptions/${id}/events?wait=10`, germany.apiKey),
        ),
      );
    });
    const waited = Date.now() - started;
    process.stdout.write(
      `fairness: ${polls} idle long polls × 10 s: ${commits} commits (idle noise ${idleNoise}), ${waited} ms\n`,
    );
    expect(answers.map((answer) => answer.status)).toEqual(answers.map(() => 200));
    expect(answers.every((answer) => (answer.body as { events: unknown[] }).events.length === 0)).toBe(true);
    expect(waited).toBeGreaterThanOrEqual(10_000);
    // On arrival each poll reads the subscription and its feed page once; while it waits, nothing.
    // (Before this change: a read every 500 ms and at every wake-up, 2,129 commits in this test.)
    expect(commits - idleNoise).toBeLessThanOrEqual(2 * polls + 25);
  });

  it('refuses a locked-out address before any database work, whatever key it sends', async () => {
    let statuses: number[] = [];
    const randomKey = (): string => `chub_${randomBytes(32).toString('base64url')}`;
    const commits = await commitsDuring(async (gateway) => {
      // Three failed attempts spend the address's anonymous budget (3): the fourth is locked out.
      for (let attempt = 0; attempt < 3; attempt += 1) {
        expect((await get(`${gateway.url}/v1/alerts`, randomKey())).status).toBe(401);
      }
      expect((await get(`${gateway.url}/v1/alerts`, randomKey())).status).toBe(429);
      for (let round = 0; round < 30; round += 1) {
        const answers = await Promise.all(
          Array.from({ length: 10 }, () => get(`${gateway.url}/v1/alerts`, randomKey())),
        );
        statuses = [...statuses, ...answers.map((answer) => answer.status)];
      }
    });
    process.stdout.write(
      `fairness: locking out an address, then 300 random keys: ${commits} commits (idle noise ${idleNoise})\n`,
    );
    expect(statuses).toHaveLength(300);
    expect(statuses.every((status) => status === 429)).toBe(true);
    // The three attempts before the lock-out: a key lookup and a refusal audit each.
    expect(commits - idleNoise).toBeLessThanOrEqual(3 * 2 + 10);
  });

  it('answers a flood of /health with about one database probe every two seconds', async () => {
    let window = 0;
    const commits = await commitsDuring(async (gateway) => {
      const started = Date.now();
      for (let round = 0; round < 50; round += 1) {
        const answers = await Promise.all(
          Array.from({ length: 20 }, () =>
            fetch(`${gateway.url}/health`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } }).then(
              (response) => response.status,
            ),
          ),
        );
        expect(answers.every((status) => status === 200)).toBe(true);
      }
      window = Date.now() - started;
    });
    process.stdout.write(
      `fairness: 1,000 /health in ${window} ms: ${commits} commits (idle noise ${idleNoise})\n`,
    );
    expect(commits - idleNoise).toBeLessThanOrEqual(Math.ceil(window / 1000) + 5);
  });

  it('caps the subscriptions of an organization (429, nothing written), deleted ones not counted', async () => {
    const held: string[] = [];
    for (let subscription = 0; subscription < 3; subscription += 1)
      held.push((await hub.subscribe(france)).id);
    const rowsBefore = [await countRows('subscriptions'), await countRows('audit_events')];
    const refused = await hub.api('POST', '/v1/subscriptions', {
      key: france.apiKey,
      body: { name: 'one too many', filter: {}, delivery: { type: 'pull' } },
    });
    const problem = expectProblem(refused, 'subscription-limit');
    expect(problem.detail).toContain('3');
    expect([await countRows('subscriptions'), await countRows('audit_events')]).toEqual(rowsBefore);

    // Another organization has its own allowance; a deletion frees a place.
    expect(
      (await hub.api('POST', '/v1/subscriptions', { key: germany.apiKey, body: pullFeed() })).status,
    ).toBe(201);
    expect((await hub.api('DELETE', `/v1/subscriptions/${held[0]}`, { key: france.apiKey })).status).toBe(
      204,
    );
    expect(
      (await hub.api('POST', '/v1/subscriptions', { key: france.apiKey, body: pullFeed() })).status,
    ).toBe(201);
    expect(
      (await hub.api('POST', '/v1/subscriptions', { key: france.apiKey, body: pullFeed() })).status,
    ).toBe(429);
  });

  it('pages the list of subscriptions, oldest first, with a Link to the next page', async () => {
    const spain = await hub.organization(memberOf('ES'));
    const created: string[] = [];
    for (let subscription = 0; subscription < 3; subscription += 1)
      created.push((await hub.subscribe(spain)).id);
    const first = await hub.api<{ id: string }[]>('GET', '/v1/subscriptions?limit=2', { key: spain.apiKey });
    expect(first.status).toBe(200);
    expect(first.body.map((subscription) => subscription.id)).toEqual(created.slice(0, 2));
    const next = /^<([^>]+)>; rel="next"$/.exec(first.headers.get('link') ?? '');
    expect(next?.[1]).toBe(`/v1/subscriptions?after=${created[1]}&limit=2`);
    const second = await hub.api<{ id: string }[]>('GET', next![1], { key: spain.apiKey });
    expect(second.body.map((subscription) => subscription.id)).toEqual(created.slice(2));
    expect(second.headers.get('link')).toBeNull();
    // By default, all of them (up to the default cap).
    expect((await hub.api<unknown[]>('GET', '/v1/subscriptions', { key: spain.apiKey })).body).toHaveLength(
      3,
    );
    // Another organization's subscription is no cursor.
    const foreign = await hub.api<unknown[]>('GET', `/v1/subscriptions?after=${created[0]}`, {
      key: germany.apiKey,
    });
    expect(foreign.status).toBe(200);
    expect(foreign.body).toEqual([]);
    const bad = await hub.api<{ errors: { field: string }[] }>('GET', '/v1/subscriptions?after=nope', {
      key: spain.apiKey,
    });
    expect(bad.status).toBe(400);
    expect(bad.body.errors.map((error) => error.field)).toEqual(['after']);
  });

  it('caps the long polls an organization holds open, freeing a slot when a poll ends or its client goes away', async () => {
    const feed = await hub.subscribe(germany);
    const events = `${hub.url}/v1/subscriptions/${feed.id}/events`;
    const gone = new AbortController();
    const first = get(`${events}?wait=20`, germany.apiKey, gone.signal).catch(() => null);
    const second = get(`${events}?wait=3`, germany.apiKey);
    // Both are waiting by now (on loopback, a request is in within milliseconds).
    await sleep(1000);
    const refusal = await get(`${events}?wait=1`, germany.apiKey);
    const problem = expectProblem(refusal, 'long-poll-limit');
    expect(problem.detail).toContain('2');
    const retryAfter = Number(refusal.headers.get('retry-after'));
    // When the earliest of the two must end: the 3 s poll, in about 2 s.
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(3);
    // A page without waiting, and another organization's long poll, are not held back.
    expect((await get(events, germany.apiKey)).status).toBe(200);
    const italy = await hub.organization(memberOf('IT'));
    const italianFeed = await hub.subscribe(italy);
    expect(
      (await get(`${hub.url}/v1/subscriptions/${italianFeed.id}/events?wait=1`, italy.apiKey)).status,
    ).toBe(200);

    // The 3 s poll ends: its slot is free again.
    expect((await second).status).toBe(200);
    const third = get(`${events}?wait=5`, germany.apiKey);
    await expectEventually(async () =>
      expect((await get(`${events}?wait=1`, germany.apiKey)).status).toBe(429),
    );
    // The 20 s poll's client goes away: its slot is freed long before its wait would end.
    gone.abort();
    await first;
    await expectEventually(async () =>
      expect((await get(`${events}?wait=1`, germany.apiKey)).status).toBe(200),
    );
    expect((await third).status).toBe(200);
  });
});

function pullFeed(): Record<string, unknown> {
  return { name: `feed ${randomUUID()}`, filter: {}, delivery: { type: 'pull' } };
}
