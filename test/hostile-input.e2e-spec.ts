/**
 * Hostile and malformed input, generated from the OpenAPI document the gateway serves: for
 * every operation, valid requests built from its schemas are broken one field, parameter,
 * header or byte at a time (wrong types, missing and unknown fields, huge strings and lists,
 * deep nesting, bad codes and dates, injection strings, broken Unicode and UTF-8, wrong content
 * types, oversized bodies, forged cursors, bad ids). Each case is judged before it is sent, by
 * the published schema and the few rules of the oracle (support/hostile-input/oracle.ts),
 * never by what the hub answers; the cases are generated in support/hostile-input/cases.ts and
 * this file runs them. Every answer must be the judged one: no 5xx, problem+json for every
 * refusal naming the broken field for a 400, nothing written for a refusal, and the gateway
 * still up.
 *
 * HOSTILE_CASES (default 3000) sets the number of cases, HOSTILE_SEED replays a run.
 */
import fc from 'fast-check';
import { Agent, request as httpRequest } from 'node:http';
import { writeFileSync } from 'node:fs';
import { Client } from 'pg';
import { sampleOperation, sampleRecord } from './support/fixtures';
import { hostileCases, serialize } from './support/hostile-input/cases';
import {
  type Answer,
  BODY_LIMIT_BYTES,
  canonical,
  type CaseSpec,
  type Expectation,
  type HostileOracle,
  hostileOracle,
  HOSTILE_OPERATION_PERIOD,
  type HostileWorld,
  type JudgedCase,
  type OperationRule,
  operationRules,
  parsedBody,
  PUBLIC_WEBHOOK_URLS,
  verdict,
} from './support/hostile-input/oracle';
import {
  ADMIN_TOKEN,
  api,
  changedTables,
  hubStateFingerprint,
  METRICS_TOKEN,
  type TestOrganization,
} from './support/hub-harness';
import { memberOf, partnerAgency, startHub, type TestHub, theSecretariat } from './support/hub-context';
import {
  type ApiOperation,
  fetchOpenApiDocument,
  fillPath,
  operationsOf,
  SchemaValidators,
} from './support/openapi-document';

const TOTAL_CASES = Number(process.env.HOSTILE_CASES ?? 3000);
const SEED = Number(process.env.HOSTILE_SEED ?? Math.floor(Math.random() * 2 ** 31));
const CONCURRENCY = 8;
const BATCH_SIZE = 120;

describe('hostile and malformed input, generated from the OpenAPI document', () => {
  let hub: TestHub;
  let operations: ApiOperation[];
  let OPERATION_RULES: Record<string, OperationRule>;
  let judge: HostileOracle['judge'];
  let caseArbitraries: (operation: ApiOperation) => fc.Arbitrary<CaseSpec>[];
  let member: TestOrganization;
  let secretariat: TestOrganization;
  let partner: TestOrganization;
  let suspendable: TestOrganization;
  let db: Client;
  const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });

  const world: HostileWorld = {
    alert: { id: '', body: {} },
    seizure: { id: '', body: {} },
    pullSubscription: '',
    webhookSubscription: '',
    keyId: '',
    operation: '',
    /** `${type}:${reference}` → the canonical body first stored under it. */
    references: new Map<string, string>(),
    organizationCodes: new Set<string>(),
    originator: { code: '', country: 'FR' },
    unexcludable: new Set<string>(),
  };

  beforeAll(async () => {
    hub = await startHub({
      // The SSRF guard is part of what is attacked here; no case needs a name resolved.
      gateway: { bodyLimitBytes: BODY_LIMIT_BYTES, env: { WEBHOOK_ALLOW_PRIVATE_TARGETS: 'false' } },
    });
    const document = await fetchOpenApiDocument(hub.url);
    const schemas = new SchemaValidators(document);
    operations = operationsOf(document);
    ({ member, secretariat, partner, suspendable } = await hub.organizations({
      member: memberOf('FR'),
      secretariat: theSecretariat(),
      partner: partnerAgency(),
      suspendable: partnerAgency(),
    }));
    OPERATION_RULES = operationRules(world, {
      member,
      partner,
      suspendable,
      createRecord,
      createSubscription,
      issueKey,
      createOperation,
    });
    const oracle = hostileOracle(schemas, world, OPERATION_RULES);
    judge = oracle.judge;
    ({ caseArbitraries } = hostileCases(schemas, oracle));
    world.organizationCodes.add(member.code).add(secretariat.code).add(partner.code).add(suspendable.code);
    world.originator.code = member.code;
    world.unexcludable.add(member.code).add(secretariat.code);
    db = new Client({ connectionString: process.env.DATABASE_URL });
    await db.connect();
    world.alert = await createRecord('alert');
    world.seizure = await createRecord('seizure');
    world.pullSubscription = await createSubscription({ type: 'pull' });
    world.webhookSubscription = await createSubscription({ type: 'webhook', url: PUBLIC_WEBHOOK_URLS[0] });
    world.keyId = await issueKey();
    world.operation = await createOperation();
  });

  afterAll(async () => {
    agent.destroy();
    await db?.end();
    await hub?.close();
  });

  async function createRecord(
    type: 'alert' | 'seizure',
  ): Promise<{ id: string; body: Record<string, unknown> }> {
    // Every stored record starts from the same body, so a patch is judged against a known record.
    const body = sampleRecord(type);
    const reference = String(body.reference);
    const created = await api<{ id: string }>(
      hub.url,
      'POST',
      type === 'alert' ? '/v1/alerts' : '/v1/seizures',
      {
        key: member.apiKey,
        body,
      },
    );
    if (created.status !== 201)
      throw new Error(`setup ${type}: ${created.status} ${JSON.stringify(created.body)}`);
    world.references.set(`${type}:${reference}`, canonical(body));
    return { id: created.body.id, body };
  }

  async function createOperation(): Promise<string> {
    const body = sampleOperation(
      { [member.code]: 'coordinator' },
      {
        period: HOSTILE_OPERATION_PERIOD,
        phases: [{ name: 'Whole', start: HOSTILE_OPERATION_PERIOD.start, end: HOSTILE_OPERATION_PERIOD.end }],
      },
    );
    const created = await api<{ code: string }>(hub.url, 'POST', '/v1/operations', {
      key: secretariat.apiKey,
      body,
    });
    if (created.status !== 201)
      throw new Error(`setup operation: ${created.status} ${JSON.stringify(created.body)}`);
    return created.body.code;
  }

  async function createSubscription(delivery: Record<string, unknown>): Promise<string> {
    const created = await api<{ subscription: { id: string } }>(hub.url, 'POST', '/v1/subscriptions', {
      key: member.apiKey,
      body: { name: 'Hostile input target', filter: { categories: ['nuclear'] }, delivery },
    });
    if (created.status !== 201)
      throw new Error(`setup subscription: ${created.status} ${JSON.stringify(created.body)}`);
    return created.body.subscription.id;
  }

  async function issueKey(): Promise<string> {
    const issued = await api<{ id: string }>(
      hub.url,
      'POST',
      `/v1/admin/organizations/${member.code}/api-keys`,
      {
        key: ADMIN_TOKEN,
      },
    );
    if (issued.status !== 201) throw new Error(`setup key: ${issued.status}`);
    return issued.body.id;
  }

  function send(
    method: string,
    path: string,
    headers: Record<string, string>,
    body: Buffer | undefined,
  ): Promise<Answer> {
    const url = new URL(hub.url);
    return new Promise((resolve, reject) => {
      const request = httpRequest(
        {
          host: url.hostname,
          port: url.port,
          method,
          path,
          agent,
          headers: { ...headers, ...(body ? { 'content-length': String(body.length) } : {}) },
        },
        (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('end', () =>
            resolve({
              status: response.statusCode ?? 0,
              contentType: String(response.headers['content-type'] ?? ''),
              text: Buffer.concat(chunks).toString('utf8'),
            }),
          );
          response.on('error', reject);
        },
      );
      request.on('error', reject);
      request.end(body);
    });
  }

  function requestPath(operation: ApiOperation, spec: CaseSpec, targets: Record<string, string>): string {
    const values = Object.fromEntries(
      Object.entries(spec.path).map(([name, value]) => [
        name,
        'target' in value ? encodeURIComponent(targets[name]) : value.raw,
      ]),
    );
    const query =
      spec.rawQuery ??
      spec.query.map(([key, value]) => `${encodeQueryPart(key)}=${encodeQueryPart(value)}`).join('&');
    return `${fillPath(operation.path, values)}${query ? `?${query}` : ''}`;
  }

  /** Percent-encoding, lone surrogates included (as the bytes WTF-8 gives them: invalid UTF-8). */
  function encodeQueryPart(text: string): string {
    return text.replace(/[\ud800-\udbff][\udc00-\udfff]|[\s\S]/g, (unit) => {
      const code = unit.codePointAt(0)!;
      if (unit.length === 1 && code >= 0xd800 && code <= 0xdfff) {
        return [0xe0 | (code >> 12), 0x80 | ((code >> 6) & 0x3f), 0x80 | (code & 0x3f)]
          .map((byte) => `%${byte.toString(16).toUpperCase()}`)
          .join('');
      }
      return encodeURIComponent(unit);
    });
  }

  it('answers every generated case as judged, writes nothing when it refuses, and stays up', async () => {
    const unknown = operations.filter((operation) => !OPERATION_RULES[operation.operationId]);
    expect(unknown.map((operation) => operation.operationId)).toEqual([]);

    const weights = operations.map(
      (operation) =>
        1 +
        (operation.bodySchema ? 4 : 0) +
        operation.queryParameters.length * 0.5 +
        operation.pathParameters.length * 0.5,
    );
    const total = weights.reduce((sum, weight) => sum + weight, 0);
    const cases: JudgedCase[] = [];
    operations.forEach((operation, index) => {
      const count = Math.max(20, Math.round((TOTAL_CASES * weights[index]) / total));
      const seed = (SEED + index * 7919) % 2 ** 31;
      const started = Date.now();
      for (const spec of fc.sample(fc.oneof(...caseArbitraries(operation)), { seed, numRuns: count })) {
        const judged = judge(operation, spec, serialize(spec));
        cases.push({ operation, spec, ...judged });
      }
      if (process.env.HOSTILE_DEBUG)
        process.stdout.write(`generated ${operation.operationId} in ${Date.now() - started} ms\n`);
    });

    const failures: string[] = [];
    const tally = new Map<string, Map<string, number>>();
    const count = (operation: string, status: number): void => {
      const row = tally.get(operation) ?? new Map<string, number>();
      row.set(String(status), (row.get(String(status)) ?? 0) + 1);
      tally.set(operation, row);
    };
    const describeCase = (judged: JudgedCase, path: string): string =>
      `${judged.operation.operationId} ${judged.operation.method} ${path.slice(0, 160)} [${judged.spec.kind}: ${judged.spec.detail}]`;

    const run = async (judged: JudgedCase): Promise<void> => {
      const rule = OPERATION_RULES[judged.operation.operationId];
      const bytes = serialize(judged.spec);
      const targets = rule.target
        ? await rule.target(judged.expected === undefined && rule.fresh === true)
        : {};
      const path = requestPath(judged.operation, judged.spec, targets);
      const parsed = parsedBody(judged.spec, bytes);
      const value = 'value' in parsed ? parsed.value : undefined;
      const outcome = judged.expected === undefined ? rule.success(value) : undefined;
      const expected: Expectation =
        judged.expected ?? (typeof outcome === 'object' ? outcome : ({ status: outcome } as Expectation));
      const headers: Record<string, string> = {
        authorization: `Bearer ${{ admin: ADMIN_TOKEN, member: member.apiKey, secretariat: secretariat.apiKey }[rule.caller]}`,
      };
      if (judged.spec.contentType !== null) headers['content-type'] = judged.spec.contentType;
      const before = judged.sequential && expected.status >= 400 ? await hubStateFingerprint(db) : undefined;
      let answer: Answer;
      try {
        answer = await send(judged.operation.method, path, headers, bytes);
      } catch (error) {
        failures.push(`${describeCase(judged, path)}: no answer (${String(error)})`);
        return;
      }
      count(judged.operation.operationId, answer.status);
      const wrong = verdict(expected, answer);
      if (wrong) {
        failures.push(`${describeCase(judged, path)}: ${wrong}`);
        return;
      }
      if (before) {
        const changed = changedTables(before, await hubStateFingerprint(db));
        if (changed.length > 0)
          failures.push(
            `${describeCase(judged, path)}: refused (${answer.status}) but changed ${changed.join(', ')}`,
          );
      }
      if (answer.status < 300 && answer.status !== 204 && rule.verify && value !== undefined) {
        try {
          rule.verify(value, JSON.parse(answer.text));
        } catch (error) {
          failures.push(
            `${describeCase(judged, path)}: accepted but not stored as sent: ${String(error).slice(0, 300)}`,
          );
        }
      }
    };

    const concurrent = cases.filter((judged) => !judged.sequential);
    for (let start = 0; start < concurrent.length; start += BATCH_SIZE) {
      const batch = concurrent.slice(start, start + BATCH_SIZE);
      const before = await hubStateFingerprint(db);
      let next = 0;
      await Promise.all(
        Array.from({ length: CONCURRENCY }, async () => {
          while (next < batch.length) await run(batch[next++]);
        }),
      );
      if (process.env.HOSTILE_DEBUG) process.stdout.write(`batch at ${start} done ${Date.now()}\n`);
      const changed = changedTables(before, await hubStateFingerprint(db));
      if (changed.length > 0)
        failures.push(`a batch of refused requests and reads changed ${changed.join(', ')}`);
      const health = await api(hub.url, 'GET', '/health', { key: METRICS_TOKEN });
      if (health.status !== 200) failures.push(`gateway unhealthy after a batch: ${health.status}`);
    }
    for (const judged of cases.filter((candidate) => candidate.sequential)) await run(judged);
    expect((await api(hub.url, 'GET', '/health', { key: METRICS_TOKEN })).status).toBe(200);

    const lines = [...tally.entries()].map(([operation, statuses]) => {
      const all = [...statuses.values()].reduce((sum, n) => sum + n, 0);
      const detail = [...statuses.entries()]
        .sort()
        .map(([status, n]) => `${status}×${n}`)
        .join(' ');
      return `  ${operation.padEnd(28)} ${String(all).padStart(5)}  ${detail}`;
    });
    process.stdout.write(
      `[hostile input] seed ${SEED}: ${cases.length} cases over ${operations.length} operations, ${failures.length} failed\n${lines.join('\n')}\n`,
    );
    if (process.env.HOSTILE_REPORT) writeFileSync(process.env.HOSTILE_REPORT, `${failures.join('\n')}\n`);
    if (failures.length > 0) {
      throw new Error(
        `${failures.length} of ${cases.length} hostile cases failed (replay: HOSTILE_SEED=${SEED} HOSTILE_CASES=${TOTAL_CASES})\n` +
          failures.slice(0, 40).join('\n'),
      );
    }
  }, 600_000);
});
