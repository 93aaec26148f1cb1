import { verifyWebhook } from '@hub/webhooks';
import { commodity, sampleAlert } from './support/fixtures';
import { memberOf, partnerAgency, startHub, type TestHub } from './support/hub-context';
import { api, expectEventually, startGateway, type TestOrganization } from './support/hub-harness';

interface Delivery {
  id: string;
  status: string;
  attempts: number;
  attemptLog: { attempt: number; statusCode: number | null; latencyMs: number; outcome: string }[];
}

describe('signed webhooks for partner agencies, through the whole hub', () => {
  let hub: TestHub;
  let member: TestOrganization;
  let iaea: TestOrganization;

  beforeAll(async () => {
    hub = await startHub({ services: ['relay', 'router', 'notifier'], receiver: { secret: null } });
    ({ member, iaea } = await hub.organizations({ member: memberOf('KZ'), iaea: partnerAgency() }));
  });

  afterAll(() => hub?.close());

  const nuclearAlert = (handling = 'community'): Record<string, unknown> =>
    sampleAlert({
      handling,
      commodities: [commodity('284410', 'nuclear', 'Uranium hexafluoride')],
    });

  it('delivers tailored, signed alerts; shows each attempt; retries a failed delivery on request; rotates the secret', async () => {
    const created = await hub.api<{
      subscription: { id: string; delivery: { url: string } };
      secret: string;
    }>('POST', '/v1/subscriptions', {
      key: iaea.apiKey,
      body: {
        name: 'Nuclear',
        filter: { categories: ['nuclear'] },
        delivery: { type: 'webhook', url: hub.receiver.url },
      },
    });
    expect(created.status).toBe(201);
    expect(created.body.secret).toMatch(/^whsec_[A-Za-z0-9+/=]+$/);
    const listed = await hub.api('GET', `/v1/subscriptions/${created.body.subscription.id}`, {
      key: iaea.apiKey,
    });
    expect(JSON.stringify(listed.body)).not.toContain(created.body.secret.slice(6));
    const subscription = created.body.subscription.id;

    const shared = await hub.api<{ id: string }>('POST', '/v1/alerts', {
      key: member.apiKey,
      body: nuclearAlert(),
    });
    // Not tailored for the IAEA (not nuclear), and a `members` record a partner may not read.
    await hub.api('POST', '/v1/alerts', {
      key: member.apiKey,
      body: sampleAlert({
        handling: 'community',
        commodities: [commodity('930690', 'conventional-arms', 'x')],
      }),
    });
    await hub.api('POST', '/v1/alerts', { key: member.apiKey, body: nuclearAlert('members') });

    await expectEventually(() => expect(hub.receiver.requests.length).toBe(1));
    const [request] = hub.receiver.requests;
    expect(() =>
      verifyWebhook(created.body.secret, request.headers as Record<string, string>, request.body),
    ).not.toThrow();
    expect(request.headers['content-type']).toContain('application/cloudevents+json');
    expect((JSON.parse(request.body) as { data: { id: string } }).data.id).toBe(shared.body.id);

    // Failing endpoint: the short test schedule runs out, the delivery fails and is kept.
    hub.receiver.failFor(Infinity, 503);
    const failing = await hub.api<{ id: string }>('POST', '/v1/alerts', {
      key: member.apiKey,
      body: nuclearAlert(),
    });
    let failed: Delivery | undefined;
    await expectEventually(async () => {
      const log = await hub.api<{ deliveries: Delivery[] }>(
        'GET',
        `/v1/subscriptions/${subscription}/deliveries`,
        { key: iaea.apiKey },
      );
      failed = log.body.deliveries.find((delivery) => delivery.status === 'failed');
      expect(failed).toBeDefined();
    });
    expect(failed!.attemptLog.length).toBeGreaterThanOrEqual(2);
    expect(failed!.attemptLog.every((attempt) => attempt.statusCode === 503 && attempt.latencyMs >= 0)).toBe(
      true,
    );
    expect(
      (await hub.api('GET', `/v1/subscriptions/${subscription}/deliveries`, { key: member.apiKey })).status,
    ).toBe(404);

    hub.receiver.recover();
    const retried = await hub.api(
      'POST',
      `/v1/subscriptions/${subscription}/deliveries/${failed!.id}/retry`,
      { key: iaea.apiKey },
    );
    expect(retried.status).toBe(202);
    await expectEventually(() => {
      const delivered = hub.receiver.requests
        .filter((candidate) => candidate.status === 204)
        .map((candidate) => JSON.parse(candidate.body) as { data: { id: string } });
      expect(delivered.map((event) => event.data.id)).toContain(failing.body.id);
    });

    const rotated = await hub.api<{ secret: string }>(
      'POST',
      `/v1/subscriptions/${subscription}/rotate-secret`,
      { key: iaea.apiKey },
    );
    expect(rotated.body.secret).not.toBe(created.body.secret);
    const before = hub.receiver.requests.length;
    await hub.api('POST', '/v1/alerts', { key: member.apiKey, body: nuclearAlert() });
    await expectEventually(() => expect(hub.receiver.requests.length).toBeGreaterThan(before));
    const latest = hub.receiver.requests[hub.receiver.requests.length - 1];
    expect(() =>
      verifyWebhook(rotated.body.secret, latest.headers as Record<string, string>, latest.body),
    ).not.toThrow();
  });

  it('refuses webhook URLs on private, loopback or metadata addresses unless private targets are allowed', async () => {
    const strict = await startGateway(1024 * 1024, { WEBHOOK_ALLOW_PRIVATE_TARGETS: 'false' });
    try {
      for (const url of [
        'http://127.0.0.1:9/hook',
        'http://10.0.0.8/hook',
        'http://169.254.169.254/latest',
        'http://[::1]/hook',
      ]) {
        const response = await api<{ errors: { field: string }[] }>(strict.url, 'POST', '/v1/subscriptions', {
          key: iaea.apiKey,
          body: { name: 'x', filter: {}, delivery: { type: 'webhook', url } },
        });
        expect({ url, status: response.status }).toEqual({ url, status: 400 });
        expect(response.body.errors[0].field).toBe('delivery.url');
      }
    } finally {
      await strict.close();
    }
  });

  it('refuses http:// and ports outside 443 and 8443 by default, at creation and on PATCH (H-2, L-7)', async () => {
    // The production defaults: the harness's WEBHOOK_ALLOW_INSECURE_HTTP and WEBHOOK_ALLOWED_PORTS unset.
    const production = await startGateway(1024 * 1024, {
      WEBHOOK_ALLOW_PRIVATE_TARGETS: undefined,
      WEBHOOK_ALLOW_INSECURE_HTTP: undefined,
      WEBHOOK_ALLOWED_PORTS: undefined,
    });
    const subscribe = (url: string) =>
      api<{ errors: { field: string; detail: string }[]; subscription: { id: string } }>(
        production.url,
        'POST',
        '/v1/subscriptions',
        // Antarctica: nothing this file submits matches, so nothing is ever sent there.
        {
          key: iaea.apiKey,
          body: { name: 'x', filter: { countries: ['AQ'] }, delivery: { type: 'webhook', url } },
        },
      );
    try {
      const refusals: Record<string, string> = {
        'http://93.184.215.14/hook': 'must use https',
        'http://93.184.215.14:22/': 'must use https',
        'https://93.184.215.14:22/': 'port',
        'https://[2606:4700::1111]:6379/': 'port',
      };
      for (const [url, reason] of Object.entries(refusals)) {
        const response = await subscribe(url);
        expect({ url, status: response.status }).toEqual({ url, status: 400 });
        expect(response.body.errors).toEqual([
          expect.objectContaining({ field: 'delivery.url', detail: expect.stringContaining(reason) }),
        ]);
      }
      // A pull feed changed to a webhook is checked the same way.
      const pull = await api<{ subscription: { id: string } }>(production.url, 'POST', '/v1/subscriptions', {
        key: iaea.apiKey,
        body: { name: 'pull', filter: { countries: ['AQ'] }, delivery: { type: 'pull' } },
      });
      expect(pull.status).toBe(201);
      for (const url of ['http://93.184.215.14:8443/hook', 'https://93.184.215.14:22/hook']) {
        const patched = await api<{ errors: { field: string }[] }>(
          production.url,
          'PATCH',
          `/v1/subscriptions/${pull.body.subscription.id}`,
          { key: iaea.apiKey, body: { delivery: { type: 'webhook', url } } },
        );
        expect({ url, status: patched.status }).toEqual({ url, status: 400 });
        expect(patched.body.errors[0].field).toBe('delivery.url');
      }
      // https on an allowed port passes the guard (an IP literal: no DNS asked).
      const accepted = await subscribe('https://93.184.215.14:8443/hook');
      expect(accepted.status).toBe(201);
      await api(production.url, 'DELETE', `/v1/subscriptions/${accepted.body.subscription.id}`, {
        key: iaea.apiKey,
      });
    } finally {
      await production.close();
    }
  });
});
