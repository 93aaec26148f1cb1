import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import {
  ADMIN_TOKEN,
  api,
  captureServiceLogs,
  METRICS_TOKEN,
  type RunningService,
  startGateway,
} from './support/hub-harness';

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** One request over HTTPS, trusting only the test's own certificate (hostname checked). */
function httpsGet(url: string, ca: Buffer, headers: Record<string, string> = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const request = https.get(url, { ca, headers }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () =>
        resolve({ status: response.statusCode ?? 0, headers: response.headers, body }),
      );
    });
    request.on('error', reject);
  });
}

function plainGet(url: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const request = http.get(url, (response) => {
      response.resume();
      response.on('end', () =>
        resolve({ status: response.statusCode ?? 0, headers: response.headers, body: '' }),
      );
    });
    request.setTimeout(5000, () => request.destroy(new Error('no answer')));
    request.on('error', reject);
  });
}

describe('transport security: HTTPS with HSTS (H-2)', () => {
  const folder = mkdtempSync(path.join(tmpdir(), 'cosmo-hub-tls-'));
  const certFile = path.join(folder, 'cert.pem');
  const keyFile = path.join(folder, 'key.pem');
  let gateway: RunningService;
  let ca: Buffer;

  beforeAll(async () => {
    // A self-signed certificate for loopback, made for this run.
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-keyout',
        keyFile,
        '-out',
        certFile,
        '-days',
        '1',
        '-subj',
        '/CN=127.0.0.1',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
      ],
      { stdio: 'ignore' },
    );
    ca = readFileSync(certFile);
    gateway = await startGateway(undefined, {
      TLS_CERT_FILE: certFile,
      TLS_KEY_FILE: keyFile,
      ADMIN_PORT: '0',
    });
  });

  afterAll(async () => {
    await gateway?.close();
    rmSync(folder, { recursive: true, force: true });
  });

  it('answers over TLS with HSTS on every answer, the operator listener too; plain HTTP to its port fails', async () => {
    expect(gateway.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    for (const url of [
      `${gateway.url}/health/live`,
      `${gateway.url}/v1/alerts`,
      `${gateway.adminUrl}/metrics`,
    ]) {
      const answer = await httpsGet(url, ca);
      expect({ url, hsts: answer.headers['strict-transport-security'] }).toEqual({
        url,
        hsts: 'max-age=31536000; includeSubDomains',
      });
      expect(answer.headers['cache-control']).toBe('no-store');
    }
    expect((await httpsGet(`${gateway.url}/health/live`, ca)).status).toBe(200);
    expect(gateway.adminUrl).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const registered = await httpsGet(`${gateway.adminUrl}/v1/admin/organizations`, ca, {
      authorization: `Bearer ${ADMIN_TOKEN}`,
    });
    expect(registered.status).toBe(200);
    // Plain HTTP to the TLS port gets no HTTP answer at all.
    await expect(plainGet(`${gateway.url.replace('https:', 'http:')}/health/live`)).rejects.toThrow();
    // And a client that does not trust the certificate refuses the connection.
    await expect(httpsGet(`${gateway.url}/health/live`, Buffer.from(''))).rejects.toThrow();
  });
});

describe('the operator plane: its own listener (H-3, M-4)', () => {
  let gateway: RunningService;

  beforeAll(async () => {
    gateway = await startGateway(undefined, { ADMIN_PORT: '0' });
  });

  afterAll(() => gateway?.close());

  it('serves the admin API, metrics and the detailed health on the operator listener only', async () => {
    expect(gateway.adminUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const adminUrl = gateway.adminUrl!;
    // The public listener: no admin API, however it is spelled or asked, even with the admin token.
    for (const [method, route] of [
      ['GET', '/v1/admin/organizations'],
      ['POST', '/v1/admin/organizations'],
      ['GET', '/v1/admin/operators'],
      ['PUT', '/v1/admin/organizations'],
      ['GET', '/V1/ADMIN/organizations'],
      ['GET', '/v1/admin/organizations/'],
      ['GET', '/v1/admin/organizations?x=1'],
    ]) {
      const answer = await api(gateway.url, method, route, {
        key: ADMIN_TOKEN,
        body: method === 'POST' ? {} : undefined,
      });
      expect({ method, route, status: answer.status }).toEqual({ method, route, status: 404 });
      expect(answer.headers.get('content-type')).toContain('application/problem+json');
    }
    // The operator listener: the admin API, without a token still refused.
    expect((await api(adminUrl, 'GET', '/v1/admin/organizations', { key: ADMIN_TOKEN })).status).toBe(200);
    expect((await api(adminUrl, 'GET', '/v1/admin/organizations')).status).toBe(401);
    // Nothing of the public API there.
    for (const route of ['/v1/alerts', '/v1/subscriptions', '/taxii2/'])
      expect({ route, status: (await api(adminUrl, 'GET', route)).status }).toEqual({ route, status: 404 });
    // Its insides: metrics and the detailed health, no token needed on the operator listener.
    const metrics = await fetch(`${adminUrl}/metrics`);
    expect(metrics.status).toBe(200);
    expect(await metrics.text()).toContain('hub_http_requests_total');
    const health = await api<{ checks: Record<string, { up: boolean }> }>(adminUrl, 'GET', '/health');
    expect(health.status).toBe(200);
    expect(health.body.checks).toMatchObject({ database: { up: true } });
    expect((await api(adminUrl, 'GET', '/health/ready')).body).toHaveProperty('checks');
    // On the public listener only with the metrics token; liveness and readiness stay public.
    expect((await api(gateway.url, 'GET', '/metrics')).status).toBe(401);
    expect((await api(gateway.url, 'GET', '/health')).status).toBe(401);
    expect((await api(gateway.url, 'GET', '/metrics', { key: METRICS_TOKEN })).status).toBe(200);
    expect((await api(gateway.url, 'GET', '/health/live')).status).toBe(200);
    expect((await api(gateway.url, 'GET', '/health/ready')).body).toEqual({
      status: 'ok',
      service: 'gateway',
    });
  });

  it('keeps /metrics and /health off the public listener when no metrics token is set', async () => {
    const tokenless = await startGateway(undefined, { ADMIN_PORT: '0', METRICS_TOKEN: undefined });
    try {
      for (const route of ['/metrics', '/health'])
        expect({
          route,
          status: (await api(tokenless.url, 'GET', route, { key: METRICS_TOKEN })).status,
        }).toEqual({
          route,
          status: 404,
        });
      expect((await fetch(`${tokenless.adminUrl}/metrics`)).status).toBe(200);
    } finally {
      await tokenless.close();
    }
  });
});

describe("request ids: the server's own, the caller's beside it (L-3)", () => {
  it("logs the server's id as reqId and a well-formed caller id as clientRequestId", async () => {
    const logs = captureServiceLogs();
    const gateway = await startGateway(undefined, { LOG_LEVEL: 'info' });
    try {
      const answer = await fetch(`${gateway.url}/health/live`, {
        headers: { 'x-request-id': 'caller-trace-0042' },
      });
      const serverId = answer.headers.get('x-request-id');
      expect(serverId).toMatch(/^[0-9a-f-]{36}$/);
      await fetch(`${gateway.url}/health/live`, { headers: { 'x-request-id': 'bad id with spaces' } });
    } finally {
      await gateway.close();
      logs.stop();
    }
    const completed = logs.lines
      .map((line) => JSON.parse(line) as { msg?: string; reqId?: string; clientRequestId?: string })
      .filter((line) => line.msg === 'request completed');
    expect(completed).toHaveLength(2);
    expect(completed[0]).toMatchObject({
      reqId: expect.stringMatching(/^[0-9a-f-]{36}$/),
      clientRequestId: 'caller-trace-0042',
    });
    expect(completed[1].reqId).toMatch(/^[0-9a-f-]{36}$/);
    expect(completed[1]).not.toHaveProperty('clientRequestId');
  });
});
