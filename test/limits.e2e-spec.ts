import { randomUUID } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { sampleAlert } from './support/fixtures';
import {
  ADMIN_TOKEN,
  api,
  countRows,
  METRICS_TOKEN,
  registerOrganization,
  type RunningService,
  startGateway,
  type TestOrganization,
  withDatabase,
} from './support/hub-harness';

interface Problem {
  type: string;
  status: number;
  detail: string;
  errors?: { field: string }[];
}

/** Rows that a refused request must not have added. */
async function writtenRows(): Promise<number[]> {
  return [
    await countRows('intelligence_records'),
    await countRows('outbox_events'),
    await countRows('audit_events'),
    await countRows('subscriptions'),
  ];
}

async function auditedRequests(requestIds: readonly string[]): Promise<number> {
  return withDatabase(async (client) =>
    Number(
      (
        await client.query('SELECT count(*)::int AS n FROM audit_events WHERE client_request_id = ANY($1)', [
          requestIds,
        ])
      ).rows[0].n,
    ),
  );
}

function expectTooManyRequests(
  response: { status: number; headers: Headers; body: unknown },
  budget: string,
): void {
  expect(response.status).toBe(429);
  expect(response.headers.get('content-type')).toContain('application/problem+json');
  const retryAfter = Number(response.headers.get('retry-after'));
  expect(retryAfter).toBeGreaterThanOrEqual(1);
  expect(retryAfter).toBeLessThanOrEqual(60);
  const problem = response.body as Problem;
  expect(problem.type).toMatch(/\/too-many-requests$/);
  expect(problem.status).toBe(429);
  expect(problem.detail).toContain(budget);
}

describe('rate limits and quotas', () => {
  // Organizations are registered through a gateway with the suite's high limits; the limits under
  // test are those of a second instance (limits live in each instance's memory).
  let open: RunningService;
  let limited: RunningService;
  let france: TestOrganization;
  let germany: TestOrganization;
  let nigeria: TestOrganization;

  beforeAll(async () => {
    open = await startGateway();
    france = await registerOrganization(open.url, { kind: 'member', country: 'FR' });
    germany = await registerOrganization(open.url, { kind: 'member', country: 'DE' });
    nigeria = await registerOrganization(open.url, { kind: 'member', country: 'NG' });
    limited = await startGateway(1024 * 1024, {
      RATE_LIMIT_PER_MINUTE: '6',
      RATE_LIMIT_WRITES_PER_MINUTE: '2',
      RATE_LIMIT_ADMIN_PER_MINUTE: '2',
      RATE_LIMIT_ANONYMOUS_PER_MINUTE: '3',
    });
  });

  afterAll(async () => {
    await limited?.close();
    await open?.close();
  });

  it('limits each organization separately, with headers; health and metrics are not limited', async () => {
    for (let request = 1; request <= 6; request += 1) {
      const response = await api(limited.url, 'GET', '/v1/subscriptions', { key: france.apiKey });
      expect(response.status).toBe(200);
      expect(response.headers.get('x-ratelimit-limit-organization')).toBe('6');
      expect(response.headers.get('x-ratelimit-remaining-organization')).toBe(String(6 - request));
    }
    const before = await writtenRows();
    const requestId = `limited-${randomUUID()}`;
    const refused = await fetch(`${limited.url}/v1/subscriptions`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${france.apiKey}`,
        'content-type': 'application/json',
        'x-request-id': requestId,
      },
      body: JSON.stringify({ name: 'too many', filter: {}, delivery: { type: 'pull' } }),
    });
    expectTooManyRequests(
      { status: refused.status, headers: refused.headers, body: await refused.json() },
      'organization',
    );
    // Nothing written, not even an audit entry.
    expect(await writtenRows()).toEqual(before);
    expect(await auditedRequests([requestId])).toBe(0);

    // Another organization has its own budget.
    expect((await api(limited.url, 'GET', '/v1/subscriptions', { key: germany.apiKey })).status).toBe(200);
    for (let request = 0; request < 20; request += 1) {
      expect((await api(limited.url, 'GET', '/health', { key: METRICS_TOKEN })).status).toBe(200);
    }
    const metrics = await fetch(`${limited.url}/metrics`, {
      headers: { authorization: `Bearer ${METRICS_TOKEN}` },
    });
    expect(metrics.status).toBe(200);
    expect(await metrics.text()).toMatch(
      /hub_gateway_rate_limited_total\{[^}]*budget="organization"[^}]*\} 1\b/,
    );
  });

  it('gives record writes a lower quota; a refused write writes nothing', async () => {
    for (let write = 0; write < 2; write += 1) {
      const response = await api(limited.url, 'POST', '/v1/alerts', {
        key: nigeria.apiKey,
        body: sampleAlert(),
      });
      expect(response.status).toBe(201);
    }
    const before = await writtenRows();
    const refused = await api(limited.url, 'POST', '/v1/alerts', {
      key: nigeria.apiKey,
      body: sampleAlert(),
    });
    expectTooManyRequests(refused, 'writes');
    expect(await writtenRows()).toEqual(before);
    // Reads still go through: the quota counts writes only.
    expect((await api(limited.url, 'GET', '/v1/alerts?limit=1', { key: nigeria.apiKey })).status).toBe(200);
  });

  it('limits failed credentials per address, without holding back a valid key there', async () => {
    const requestIds: string[] = [];
    const attempt = async (
      key: string | null,
    ): Promise<{ status: number; headers: Headers; body: unknown }> => {
      const requestId = `guess-${randomUUID()}`;
      requestIds.push(requestId);
      const response = await fetch(`${limited.url}/v1/alerts`, {
        headers: { 'x-request-id': requestId, ...(key ? { authorization: `Bearer ${key}` } : {}) },
      });
      return { status: response.status, headers: response.headers, body: await response.json() };
    };
    for (const key of [`chub_${'a'.repeat(43)}`, 'not-a-key', null]) {
      expect((await attempt(key)).status).toBe(401);
    }
    const before = await writtenRows();
    expectTooManyRequests(await attempt(`chub_${'b'.repeat(43)}`), 'anonymous');
    expectTooManyRequests(await attempt(null), 'anonymous');
    // The three refusals are audited; the requests refused for their rate are not.
    expect(await writtenRows()).toEqual(before);
    expect(await auditedRequests(requestIds)).toBe(3);
    expect((await api(limited.url, 'GET', '/v1/alerts?limit=1', { key: germany.apiKey })).status).toBe(200);
  });

  it('gives the operator’s admin token a budget of its own', async () => {
    for (let request = 0; request < 2; request += 1) {
      expect((await api(limited.url, 'GET', '/v1/admin/organizations', { key: ADMIN_TOKEN })).status).toBe(
        200,
      );
    }
    const before = await writtenRows();
    expectTooManyRequests(
      await api(limited.url, 'POST', '/v1/admin/organizations', {
        key: ADMIN_TOKEN,
        body: { code: `limited-${randomUUID().slice(0, 8)}`, name: 'Too many', kind: 'partner' },
      }),
      'operator',
    );
    expect(await writtenRows()).toEqual(before);
  });
});

describe('behind a reverse proxy (TRUSTED_PROXIES, L-11)', () => {
  // The requests come from 127.0.0.1: one gateway trusts it as its proxy, the other trusts nobody.
  let proxied: RunningService;
  let direct: RunningService;
  const anonymous = { RATE_LIMIT_ANONYMOUS_PER_MINUTE: '2' };

  beforeAll(async () => {
    proxied = await startGateway(1024 * 1024, { ...anonymous, TRUSTED_PROXIES: '127.0.0.1,::1' });
    direct = await startGateway(1024 * 1024, anonymous);
  });

  afterAll(async () => {
    await proxied?.close();
    await direct?.close();
  });

  const guess = async (
    gateway: RunningService,
    client: string,
  ): Promise<{ status: number; requestId: string }> => {
    const requestId = `proxied-${randomUUID()}`;
    const response = await fetch(`${gateway.url}/v1/alerts`, {
      headers: { 'x-request-id': requestId, 'x-forwarded-for': client, authorization: 'Bearer not-a-key' },
    });
    await response.arrayBuffer();
    return { status: response.status, requestId };
  };

  it('counts the forwarded client of a trusted proxy, and audits its address', async () => {
    const first = await guess(proxied, '198.51.100.7');
    expect(first.status).toBe(401);
    expect((await guess(proxied, '198.51.100.7')).status).toBe(401);
    expect((await guess(proxied, '198.51.100.7')).status).toBe(429);
    // Another client behind the same proxy has a budget of its own.
    expect((await guess(proxied, '203.0.113.9')).status).toBe(401);
    const address = await withDatabase(async (client) =>
      (
        await client.query(
          "SELECT detail->>'address' AS address FROM audit_events WHERE client_request_id = $1",
          [first.requestId],
        )
      ).rows.map((row: { address: string }) => row.address),
    );
    expect(address).toEqual(['198.51.100.7']);
  });

  it('ignores X-Forwarded-For from anyone it does not trust', async () => {
    expect((await guess(direct, '198.51.100.7')).status).toBe(401);
    expect((await guess(direct, '198.51.100.8')).status).toBe(401);
    // A rotating forwarded address does not reset the peer's budget.
    expect((await guess(direct, '198.51.100.9')).status).toBe(429);
  });
});

describe('timeouts and sizes', () => {
  let gateway: RunningService;
  let member: TestOrganization;

  beforeAll(async () => {
    gateway = await startGateway(1024 * 1024, {
      HTTP_REQUEST_TIMEOUT_MS: '1000',
      DATABASE_STATEMENT_TIMEOUT_MS: '1000',
    });
    member = await registerOrganization(gateway.url, { kind: 'member', country: 'FR' });
  });

  afterAll(async () => {
    await gateway?.close();
    // The next files' gateways run with the default timeouts.
    delete process.env.HTTP_REQUEST_TIMEOUT_MS;
    delete process.env.DATABASE_STATEMENT_TIMEOUT_MS;
  });

  /**
   * Sends `head`, then one byte of `trickle` every 100 ms, as a slow-loris client does, and
   * resolves with what the server answered when it closed the connection. The client never
   * finishes by itself: only the server can end this (jest's timeout fails the test otherwise).
   */
  function slowClient(head: string, trickle: string): Promise<{ answer: string; bytesSent: number }> {
    const { port } = new URL(gateway.url);
    return new Promise((resolve, reject) => {
      const socket: Socket = connect(Number(port), '127.0.0.1');
      let answer = '';
      let bytesSent = 0;
      let timer: NodeJS.Timeout | null = null;
      socket.on('connect', () => {
        socket.write(head);
        timer = setInterval(() => {
          if (socket.writable) {
            socket.write(trickle[bytesSent % trickle.length]);
            bytesSent += 1;
          }
        }, 100);
      });
      socket.on('data', (chunk: Buffer) => (answer += chunk.toString('utf8')));
      socket.on('error', (error: NodeJS.ErrnoException) => {
        // The server may reset the connection while the client is still writing.
        if (error.code !== 'EPIPE' && error.code !== 'ECONNRESET') reject(error);
      });
      socket.on('close', () => {
        if (timer) clearInterval(timer);
        resolve({ answer, bytesSent });
      });
    });
  }

  it('cuts off a client that never finishes its body (408), writing nothing', async () => {
    const before = await countRows('intelligence_records');
    const body = JSON.stringify(sampleAlert());
    const { answer, bytesSent } = await slowClient(
      'POST /v1/alerts HTTP/1.1\r\nHost: 127.0.0.1\r\ncontent-type: application/json\r\n' +
        `authorization: Bearer ${member.apiKey}\r\ncontent-length: ${body.length + 1000}\r\n\r\n`,
      body,
    );
    expect(answer).toMatch(/^HTTP\/1\.1 408 /);
    // Cut off while it was still sending, long before its body would have been complete.
    expect(bytesSent).toBeLessThan(body.length);
    expect(await countRows('intelligence_records')).toBe(before);
  });

  it('cuts off a client that never finishes its headers', async () => {
    const { answer } = await slowClient(
      'GET /v1/alerts HTTP/1.1\r\nHost: 127.0.0.1\r\n',
      'x-slow-header: aaaa',
    );
    expect(answer).toMatch(/^HTTP\/1\.1 408 /);
  });

  it('bounds the long poll', async () => {
    const created = await api<{ subscription: { id: string } }>(gateway.url, 'POST', '/v1/subscriptions', {
      key: member.apiKey,
      body: { name: 'bounded', filter: {}, delivery: { type: 'pull' } },
    });
    const refused = await api<Problem>(
      gateway.url,
      'GET',
      `/v1/subscriptions/${created.body.subscription.id}/events?wait=31`,
      {
        key: member.apiKey,
      },
    );
    expect(refused.status).toBe(400);
    expect(refused.body.errors!.map((error) => error.field)).toEqual(['wait']);
  });

  it('cancels a database statement that waits past the statement timeout, writing nothing', async () => {
    const created = await api<{ id: string; version: number }>(gateway.url, 'POST', '/v1/alerts', {
      key: member.apiKey,
      body: sampleAlert(),
    });
    expect(created.status).toBe(201);
    await withDatabase(async (client) => {
      // Another session holds the record's row lock: the revision waits for it, and is cancelled.
      await client.query('BEGIN');
      await client.query('SELECT id FROM intelligence_records WHERE id = $1 FOR UPDATE', [created.body.id]);
      try {
        const revised = await api<Problem>(gateway.url, 'PATCH', `/v1/alerts/${created.body.id}`, {
          key: member.apiKey,
          body: { title: 'Held up' },
        });
        expect(revised.status).toBe(503);
        expect(revised.headers.get('content-type')).toContain('application/problem+json');
        expect(revised.body.type).toMatch(/\/database-timeout$/);
      } finally {
        await client.query('ROLLBACK');
      }
    });
    const current = await api<{ version: number; title: string }>(
      gateway.url,
      'GET',
      `/v1/alerts/${created.body.id}`,
      {
        key: member.apiKey,
      },
    );
    expect(current.body).toMatchObject({ version: 1, title: sampleAlert().title });
  });
});
