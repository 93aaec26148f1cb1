import { readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { api, type RunningService, startGateway } from './support/hub-harness';

const COMMITTED = path.join(__dirname, '..', 'docs', 'openapi.json');

interface Operation {
  operationId?: string;
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

  it('describes every operation with an id, credentials and its problem answers', () => {
    const operations = Object.entries(document.paths).flatMap(([route, methods]) =>
      Object.entries(methods).map(([method, operation]) => ({ route, method, operation })),
    );
    expect(operations.length).toBeGreaterThanOrEqual(15);
    for (const { route, method, operation } of operations) {
      expect({ route, method, id: typeof operation.operationId }).toEqual({ route, method, id: 'string' });
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
