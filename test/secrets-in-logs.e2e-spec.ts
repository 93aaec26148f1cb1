import { randomBytes } from 'node:crypto';
import { HUB_SERVICES } from '@hub/messaging';
import { sampleAlert } from './support/fixtures';
import {
  ADMIN_TOKEN,
  api,
  captureServiceLogs,
  expectEventually,
  registerOrganization,
  EVENT_SIGNING_KEY,
  type RunningService,
  SECRET_KEY,
  startGateway,
  startNotifier,
  startRelay,
  startRouter,
  type TestOrganization,
  testKafkaSecurity,
  withDatabase,
} from './support/hub-harness';
import { WebhookReceiver } from './support/webhook-receiver';

const TRACE = { LOG_LEVEL: 'trace' };

describe('secrets never reach the logs', () => {
  // The test server trusts loopback connections, so a password in the URL is ignored by it, but
  // it is a secret of the configuration like any other.
  const databasePassword = `pw-${randomBytes(12).toString('hex')}`;
  const originalUrl = String(process.env.DATABASE_URL);
  const captured = captureServiceLogs();
  const printed: string[] = [];
  const writes = {
    stdout: process.stdout.write.bind(process.stdout),
    stderr: process.stderr.write.bind(process.stderr),
  };
  let gateway: RunningService;
  let relay: RunningService;
  let router: RunningService;
  let notifier: RunningService;
  let good: WebhookReceiver;
  let failing: WebhookReceiver;

  beforeAll(async () => {
    // Whatever else a service prints (outside its JSON logger) is searched too.
    for (const stream of ['stdout', 'stderr'] as const) {
      process[stream].write = (chunk: string | Uint8Array, ...rest: unknown[]) => {
        printed.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
        return (writes[stream] as (...args: unknown[]) => boolean)(chunk, ...rest);
      };
    }
    // The service login's URL, with a password.
    const url = new URL(originalUrl);
    url.password = databasePassword;
    process.env.DATABASE_URL = url.toString();
    gateway = await startGateway(1024 * 1024, TRACE);
    relay = await startRelay(TRACE);
    router = await startRouter(TRACE);
    notifier = await startNotifier({ ...TRACE, WEBHOOK_RETRY_SCHEDULE_MS: '0,100,100,600000' });
    good = await WebhookReceiver.start();
    failing = await WebhookReceiver.start();
    failing.failNext(1000, 500);
  });

  afterAll(async () => {
    await notifier?.close();
    await router?.close();
    await relay?.close();
    await gateway?.close();
    await good?.close();
    await failing?.close();
    captured.stop();
    process.stdout.write = writes.stdout;
    process.stderr.write = writes.stderr;
    process.env.DATABASE_URL = originalUrl;
  });

  it('logs at trace level without an API key, admin token, webhook secret, HUB_SECRET_KEY, HUB_EVENT_SIGNING_KEY, database password or Kafka password', async () => {
    const secrets: Record<string, string> = {
      'admin token': ADMIN_TOKEN,
      HUB_SECRET_KEY: SECRET_KEY,
      HUB_EVENT_SIGNING_KEY: EVENT_SIGNING_KEY,
      'database password': databasePassword,
    };
    // The Kafka passwords of the four services and of the bootstrap admin the tests observe with.
    for (const service of HUB_SERVICES) {
      const password = process.env[`${service.toUpperCase()}_KAFKA_SASL_PASSWORD`];
      if (password) secrets[`${service} Kafka password`] = password;
    }
    const admin = testKafkaSecurity().sasl;
    if (admin) secrets['Kafka admin password'] = admin.password;
    if (process.env.STREAM_ADMIN_KAFKA_SASL_PASSWORD)
      secrets['Kafka stream admin password'] = process.env.STREAM_ADMIN_KAFKA_SASL_PASSWORD;
    expect(Object.keys(secrets).filter((name) => name.includes('Kafka')).length).toBeGreaterThanOrEqual(
      process.env.HUB_TEST_BROKER_MANAGED === 'true' ? 5 : 0,
    );

    // Organizations and keys: registration, a second key, its revocation.
    const member: TestOrganization = await registerOrganization(gateway.url, {
      kind: 'member',
      country: 'FR',
    });
    const partner: TestOrganization = await registerOrganization(gateway.url, { kind: 'partner' });
    secrets['member key'] = member.apiKey;
    secrets['partner key'] = partner.apiKey;
    const second = await api<{ id: string; secret: string }>(
      gateway.url,
      'POST',
      `/v1/admin/organizations/${member.code}/api-keys`,
      { key: ADMIN_TOKEN },
    );
    expect(second.status).toBe(201);
    secrets['revoked key'] = second.body.secret;
    expect(
      (
        await api(
          gateway.url,
          'DELETE',
          `/v1/admin/organizations/${member.code}/api-keys/${second.body.id}`,
          {
            key: ADMIN_TOKEN,
          },
        )
      ).status,
    ).toBe(204);

    // A stream credential, issued (its password shown once) and revoked.
    if (process.env.KAFKA_EXTERNAL_BOOTSTRAP) {
      const stream = await api<{ username: string; password: string }>(
        gateway.url,
        'POST',
        `/v1/admin/organizations/${member.code}/stream-credentials`,
        { key: ADMIN_TOKEN },
      );
      expect(stream.status).toBe(201);
      secrets['stream credential password'] = stream.body.password;
      const revoked = await api(
        gateway.url,
        'DELETE',
        `/v1/admin/organizations/${member.code}/stream-credentials/${stream.body.username}`,
        { key: ADMIN_TOKEN },
      );
      expect(revoked.status).toBe(204);
    }

    // Valid, wrong, revoked and malformed credentials, and a wrong admin token.
    const wrongKey = `chub_${randomBytes(32).toString('base64url')}`;
    secrets['wrong key'] = wrongKey;
    const wrongAdmin = randomBytes(24).toString('base64url');
    secrets['wrong admin token'] = wrongAdmin;
    expect((await api(gateway.url, 'GET', '/v1/alerts', { key: member.apiKey })).status).toBe(200);
    expect((await api(gateway.url, 'GET', '/v1/alerts', { key: wrongKey })).status).toBe(401);
    expect((await api(gateway.url, 'GET', '/v1/alerts', { key: second.body.secret })).status).toBe(401);
    expect((await api(gateway.url, 'GET', '/v1/admin/organizations', { key: wrongAdmin })).status).toBe(401);
    const basic = await fetch(`${gateway.url}/v1/alerts`, {
      headers: { authorization: `Basic ${member.apiKey}` },
    });
    expect(basic.status).toBe(401);

    // Webhook subscriptions: one endpoint that answers, one that always fails; a secret rotation.
    const subscribe = async (url: string): Promise<{ id: string; secret: string }> => {
      const created = await api<{ subscription: { id: string }; secret: string }>(
        gateway.url,
        'POST',
        '/v1/subscriptions',
        {
          key: partner.apiKey,
          body: { name: 'nuclear', filter: { categories: ['nuclear'] }, delivery: { type: 'webhook', url } },
        },
      );
      expect(created.status).toBe(201);
      return { id: created.body.subscription.id, secret: created.body.secret };
    };
    const answering = await subscribe(good.url);
    const refusing = await subscribe(failing.url);
    secrets['first webhook secret'] = answering.secret;
    secrets['failing webhook secret'] = refusing.secret;
    const rotated = await api<{ secret: string }>(
      gateway.url,
      'POST',
      `/v1/subscriptions/${answering.id}/rotate-secret`,
      { key: partner.apiKey },
    );
    expect(rotated.status).toBe(200);
    secrets['rotated webhook secret'] = rotated.body.secret;

    // A community alert on nuclear goods: signed deliveries, one failing until its retries run out.
    const alert = await api(gateway.url, 'POST', '/v1/alerts', {
      key: member.apiKey,
      body: sampleAlert({ handling: 'community' }),
    });
    expect(alert.status).toBe(201);
    await expectEventually(() => {
      expect(good.requests.filter((request) => request.status === 204)).toHaveLength(1);
      expect(failing.requests.length).toBeGreaterThanOrEqual(3);
    }, 60_000);

    // The secrets as stored: sealed webhook secrets are not for the logs either.
    const sealed = await withDatabase(async (client) =>
      (
        await client.query<{ secret_ciphertext: string }>(
          'SELECT secret_ciphertext FROM subscriptions WHERE id = ANY($1::uuid[])',
          [[answering.id, refusing.id]],
        )
      ).rows.map((row) => row.secret_ciphertext),
    );
    sealed.forEach((ciphertext, index) => (secrets[`sealed webhook secret ${index + 1}`] = ciphertext));
    // The base64 body of a whsec_ secret, in case something strips the prefix.
    for (const name of ['first webhook secret', 'failing webhook secret', 'rotated webhook secret']) {
      secrets[`${name} (key part)`] = secrets[name].slice('whsec_'.length);
    }

    // Let the last writes reach the capture, then read everything that was written.
    await expectEventually(() => {
      const text = captured.lines.join('\n');
      expect(text).toContain('delivery attempt failed');
    });
    const lines = [...captured.lines, ...printed.join('').split('\n')];
    // The capture saw the four services at trace level (else this test would prove nothing).
    const services = new Set(
      captured.lines.map((line) => (JSON.parse(line) as { service?: string }).service).filter(Boolean),
    );
    expect(services).toEqual(new Set(['gateway', 'relay', 'router', 'notifier']));
    expect(
      captured.lines.some((line) => line.includes('"level":"trace"') || line.includes('"level":"debug"')),
    ).toBe(true);
    expect(captured.lines.some((line) => line.includes('"reqId"'))).toBe(true);
    const leaks = Object.entries(secrets).flatMap(([name, secret]) => {
      expect(secret.length).toBeGreaterThanOrEqual(16);
      return lines.filter((line) => line.includes(secret)).map((line) => `${name}: ${line.slice(0, 300)}`);
    });
    expect(leaks).toEqual([]);
    process.stdout.write(
      `[secrets] ${lines.length} log lines searched for ${Object.keys(secrets).length} secrets: ${leaks.length} leaks\n`,
    );
  });
});
