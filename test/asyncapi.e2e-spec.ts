import { readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { DiagnosticSeverity, Parser } from '@asyncapi/parser';
import {
  DEAD_LETTER_TOPICS,
  OPERATIONS_TOPIC,
  SCHEMA_FILE_ROOTS,
  TOPICS,
  WCO_REGIONS,
  publishedTopics,
  regionalTopic,
  renderAsyncApiYaml,
} from '@hub/contracts';
import { type RunningService, startGateway } from './support/hub-harness';

const ROOT = path.join(__dirname, '..');
const COMMITTED = path.join(ROOT, 'docs', 'asyncapi.yaml');
/** From docs/asyncapi.yaml to the shipped schemas. */
const REPOSITORY_SCHEMA_BASE = '../libs/contracts/schemas/';

async function parse(text: string, source: string): Promise<{ errors: string[]; channels: string[] }> {
  const { document, diagnostics } = await new Parser().parse(text, { source });
  return {
    errors: diagnostics
      .filter((diagnostic) => Number(diagnostic.severity) === Number(DiagnosticSeverity.Error))
      .map((diagnostic) => `${diagnostic.code} at ${diagnostic.path.join('.')}: ${diagnostic.message}`),
    channels: document
      ? document
          .channels()
          .all()
          .map((channel) => String(channel.address()))
      : [],
  };
}

describe('the AsyncAPI document of the Kafka topics', () => {
  let gateway: RunningService;

  beforeAll(async () => {
    gateway = await startGateway();
  });

  afterAll(async () => {
    await gateway?.close();
  });

  it('matches the committed docs/asyncapi.yaml (run with UPDATE_ASYNCAPI=1 to refresh it)', () => {
    const current = renderAsyncApiYaml({ schemaBase: REPOSITORY_SCHEMA_BASE });
    if (process.env.UPDATE_ASYNCAPI === '1') writeFileSync(COMMITTED, current);
    expect(readFileSync(COMMITTED, 'utf8')).toBe(current);
  });

  it('lists every topic the hub writes, from the code’s own topic names', () => {
    const written = [
      TOPICS.alerts,
      TOPICS.seizures,
      OPERATIONS_TOPIC,
      ...WCO_REGIONS.map(regionalTopic),
      DEAD_LETTER_TOPICS.deliveries,
      DEAD_LETTER_TOPICS.router,
    ];
    expect(
      publishedTopics()
        .map((topic) => topic.topic)
        .sort(),
    ).toEqual([...written].sort());
  });

  it('is valid AsyncAPI 3.0 under @asyncapi/parser, its payloads resolved from libs/contracts/schemas', async () => {
    const result = await parse(readFileSync(COMMITTED, 'utf8'), COMMITTED);
    expect(result.errors).toEqual([]);
    expect(result.channels.sort()).toEqual(
      publishedTopics()
        .map((topic) => topic.topic)
        .sort(),
    );
    process.stdout.write(`@asyncapi/parser (committed): ${result.errors.length} errors\n`);
  });

  it('is served at /docs/asyncapi.yaml, its payloads resolved from the schemas the gateway serves', async () => {
    const source = `${gateway.url}/docs/asyncapi.yaml`;
    const response = await fetch(source);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('yaml');
    const served = await response.text();
    expect(served).toMatch(/^asyncapi: 3\.0\.0$/m);
    const result = await parse(served, source);
    expect(result.errors).toEqual([]);
    expect(result.channels).toHaveLength(publishedTopics().length);
    process.stdout.write(`@asyncapi/parser (served): ${result.errors.length} errors\n`);
  });

  it('serves each shipped JSON Schema at /schemas/<Name>.schema.json, as committed', async () => {
    for (const name of SCHEMA_FILE_ROOTS) {
      const response = await fetch(`${gateway.url}/schemas/${name}.schema.json`);
      expect({ name, status: response.status }).toEqual({ name, status: 200 });
      expect(await response.text()).toBe(
        readFileSync(path.join(ROOT, 'libs', 'contracts', 'schemas', `${name}.schema.json`), 'utf8'),
      );
    }
    expect((await fetch(`${gateway.url}/schemas/Nothing.schema.json`)).status).toBe(404);
  });
});
