import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { api, type RunningService, startGateway } from './support/hub-harness';

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

  it('reports database and Kafka state at /health and Prometheus metrics at /metrics', async () => {
    const health = await api<{ status: string; checks: Record<string, { up: boolean }> }>(
      gateway.url,
      'GET',
      '/health',
    );
    expect(health.status).toBe(200);
    expect(health.body.checks).toMatchObject({ database: { up: true }, kafka: { up: true } });
    const metrics = await fetch(`${gateway.url}/metrics`);
    expect(await metrics.text()).toContain('hub_http_requests_total');
  });

  it('echoes a caller-supplied request id and makes one otherwise', async () => {
    const given = await fetch(`${gateway.url}/health`, { headers: { 'x-request-id': 'trace-12345678' } });
    expect(given.headers.get('x-request-id')).toBe('trace-12345678');
    const made = await fetch(`${gateway.url}/health`);
    expect(made.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });
});
