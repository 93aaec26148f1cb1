import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { ADMIN_TOKEN, api, METRICS_TOKEN, type RunningService, startGateway } from './support/hub-harness';

const ROOT = path.join(__dirname, '..');
const COMMITTED = path.join(ROOT, 'docs', 'openapi.json');
const REDOCLY = path.join(ROOT, 'node_modules', '@redocly', 'cli', 'bin', 'cli.js');

interface LintProblem {
  ruleId: string;
  severity: 'error' | 'warn';
  message: string;
  location: { pointer?: string }[];
}

/** `redocly lint` with the repository's redocly.yaml (recommended rules), offline: no telemetry, no update check. */
async function redoclyLint(document: unknown): Promise<LintProblem[]> {
  const folder = mkdtempSync(path.join(tmpdir(), 'cosmo-hub-openapi-'));
  try {
    const file = path.join(folder, 'openapi.json');
    writeFileSync(file, JSON.stringify(document, null, 2));
    const run = await promisify(execFile)(
      process.execPath,
      [REDOCLY, 'lint', file, '--config', path.join(ROOT, 'redocly.yaml'), '--format', 'json'],
      {
        cwd: folder,
        env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true', CI: 'true' },
        maxBuffer: 64 * 1024 * 1024,
      },
    ).catch((error: { stdout?: string; stderr?: string }) => ({
      stdout: error.stdout ?? '',
      stderr: error.stderr ?? '',
    }));
    const start = run.stdout.indexOf('{');
    if (start < 0) throw new Error(`redocly printed no report: ${run.stderr}`);
    return (JSON.parse(run.stdout.slice(start)) as { problems: LintProblem[] }).problems;
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}

interface Operation {
  operationId?: string;
  summary?: string;
  security?: Record<string, string[]>[];
  responses: Record<string, unknown>;
}

describe('the OpenAPI document and the operational endpoints', () => {
  let gateway: RunningService;
  let document: {
    paths: Record<string, Record<string, Operation>>;
    components: { schemas: Record<string, unknown> };
  };

  beforeAll(async () => {
    gateway = await startGateway();
    document = (await api<typeof document>(gateway.url, 'GET', '/docs-json')).body;
  });

  afterAll(async () => {
    await gateway?.close();
  });

  it('matches the committed docs/openapi.json (run with UPDATE_OPENAPI=1 to refresh it)', () => {
    const current = `${JSON.stringify(document, null, 2)}\n`;
    if (process.env.UPDATE_OPENAPI === '1') writeFileSync(COMMITTED, current);
    expect(readFileSync(COMMITTED, 'utf8')).toBe(current);
  });

  it('declares OpenAPI 3.1 and passes redocly lint (recommended rules) without an error', async () => {
    expect((document as unknown as { openapi: string }).openapi).toMatch(/^3\.1\.\d+$/);
    const problems = await redoclyLint(document);
    const errors = problems
      .filter((problem) => problem.severity === 'error')
      .map((problem) => `${problem.ruleId} at ${problem.location[0]?.pointer}: ${problem.message}`);
    expect(errors).toEqual([]);
    // Warnings are reported, not hidden: the count is in the test output.
    process.stdout.write(`redocly lint: 0 errors, ${problems.length} warnings\n`);
  }, 120_000);

  it('says where the API lives, under which licence, with opaque bearer keys (no JWT)', () => {
    const info = document as unknown as {
      servers: { url: string; variables?: Record<string, { default: string }> }[];
      info: { license?: { name: string } };
      components: { securitySchemes: Record<string, Record<string, unknown>> };
    };
    expect(info.servers).toEqual([
      expect.objectContaining({
        url: '{hub}',
        variables: { hub: expect.objectContaining({ default: 'http://127.0.0.1:3000' }) },
      }),
    ]);
    expect(info.info.license?.name).toEqual(expect.any(String));
    for (const scheme of Object.values(info.components.securitySchemes)) {
      expect(scheme).toMatchObject({ type: 'http', scheme: 'bearer' });
      expect(scheme).not.toHaveProperty('bearerFormat');
    }
  });

  it('describes every operation with an id, credentials and its problem answers', () => {
    const operations = Object.entries(document.paths).flatMap(([route, methods]) =>
      Object.entries(methods).map(([method, operation]) => ({ route, method, operation })),
    );
    expect(operations.length).toBeGreaterThanOrEqual(15);
    for (const { route, method, operation } of operations) {
      expect({ route, method, id: typeof operation.operationId }).toEqual({ route, method, id: 'string' });
      expect({ route, method, summary: typeof operation.summary }).toEqual({
        route,
        method,
        summary: 'string',
      });
      // Every success answer that carries a body says what it is.
      for (const [status, response] of Object.entries(operation.responses)) {
        if (!status.startsWith('2') || status === '204') continue;
        const content = (response as { content?: Record<string, { schema?: unknown }> }).content;
        expect({ route, method, status, schema: Boolean(content?.['application/json']?.schema) }).toEqual({
          route,
          method,
          status,
          schema: true,
        });
      }
      expect({ route, method, secured: (operation.security ?? []).length > 0 }).toEqual({
        route,
        method,
        secured: true,
      });
      expect({ route, method, has401: '401' in operation.responses }).toEqual({
        route,
        method,
        has401: true,
      });
    }
    for (const schema of [
      'Alert',
      'SeizureNotice',
      'AlertUpdate',
      'SeizureNoticeUpdate',
      'PublishedAlert',
      'ProblemDocument',
    ]) {
      expect(document.components.schemas).toHaveProperty(schema);
    }
  });

  it('serves the API explorer at /docs', async () => {
    const response = await fetch(`${gateway.url}/docs`);
    expect(response.status).toBe(200);
    expect(await response.text()).toContain('swagger');
  });

  it('reports database and Kafka state at /health and Prometheus metrics at /metrics, to the metrics token only', async () => {
    const health = await api<{ status: string; checks: Record<string, { up: boolean }> }>(
      gateway.url,
      'GET',
      '/health',
      { key: METRICS_TOKEN },
    );
    expect(health.status).toBe(200);
    expect(health.body.checks).toMatchObject({ database: { up: true }, kafka: { up: true } });
    const metrics = await fetch(`${gateway.url}/metrics`, {
      headers: { authorization: `Bearer ${METRICS_TOKEN}` },
    });
    expect(await metrics.text()).toContain('hub_http_requests_total');
    // The public listener tells nobody else how the hub is used (M-4).
    for (const path of ['/health', '/metrics'])
      for (const key of [undefined, `${METRICS_TOKEN}x`, ADMIN_TOKEN]) {
        const refused = await api(gateway.url, 'GET', path, { key });
        expect({ path, status: refused.status }).toEqual({ path, status: 401 });
      }
    // Liveness and readiness stay public, readiness without the state of each dependency.
    expect((await api(gateway.url, 'GET', '/health/live')).status).toBe(200);
    const ready = await api(gateway.url, 'GET', '/health/ready');
    expect(ready).toMatchObject({ status: 200, body: { status: 'ok', service: 'gateway' } });
    expect(ready.body).not.toHaveProperty('checks');
    const detailed = await api(gateway.url, 'GET', '/health/ready', { key: METRICS_TOKEN });
    expect(detailed.body).toHaveProperty('checks.database.up', true);
  });

  it("answers with its own request id, never the caller's (L-3)", async () => {
    const given = await fetch(`${gateway.url}/health/live`, {
      headers: { 'x-request-id': 'trace-12345678' },
    });
    expect(given.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    const made = await fetch(`${gateway.url}/health/live`);
    expect(made.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    expect(made.headers.get('x-request-id')).not.toBe(given.headers.get('x-request-id'));
  });

  it('marks every answer no-store, nosniff, and with a CSP that frames nothing (L-4)', async () => {
    for (const path of ['/v1/alerts', '/v1/nothing-here', '/health/live']) {
      const response = await fetch(`${gateway.url}${path}`);
      expect({
        path,
        cacheControl: response.headers.get('cache-control'),
        nosniff: response.headers.get('x-content-type-options'),
        csp: response.headers.get('content-security-policy'),
      }).toEqual({
        path,
        cacheControl: 'no-store',
        nosniff: 'nosniff',
        csp: "default-src 'none'; frame-ancestors 'none'",
      });
      // No TLS here: no HSTS (the TLS test checks it is sent over HTTPS).
      expect(response.headers.get('strict-transport-security')).toBeNull();
    }
    // The API explorer loads its own scripts and styles, and still cannot be framed.
    const docs = await fetch(`${gateway.url}/docs`);
    const csp = docs.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain("script-src 'self' 'unsafe-inline'");
    const page = await docs.text();
    // Every script the page runs comes from the hub itself: nothing inline for the CSP to block.
    expect(page.match(/<script[^>]*>[^<\s]/g)).toBeNull();
  });
});
