import { Logger } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { buildCloudEvent, EVENT_TYPES, examplePublishedAlert } from '@hub/contracts';
import type { ClaimedDelivery } from '@hub/persistence';
import {
  CLOUDEVENTS_JSON,
  DEFAULT_WEBHOOK_PORTS,
  generateWebhookSecret,
  parseWebhookPorts,
  SecretBox,
  verifyWebhook,
  type WebhookTargetPolicy,
} from '@hub/webhooks';
import { SignerCache } from './signer-cache';
import { WebhookAttempt } from './webhook-attempt';

/** A receiver on loopback, as the tests run it: any address, http, any port. */
const LOCAL: WebhookTargetPolicy = {
  allowPrivateTargets: true,
  allowInsecureHttp: true,
  allowedPorts: parseWebhookPorts('1-65535'),
};
const PRODUCTION: WebhookTargetPolicy = {
  allowPrivateTargets: false,
  allowInsecureHttp: false,
  allowedPorts: parseWebhookPorts(DEFAULT_WEBHOOK_PORTS),
};

interface Received {
  headers: IncomingHttpHeaders;
  body: string;
}

/** One webhook attempt against a real HTTP receiver on loopback: no store, no queue, no timers of its own. */
describe(WebhookAttempt.name, () => {
  const box = new SecretBox(randomBytes(32).toString('base64'));
  const secret = generateWebhookSecret();
  let server: Server;
  let url: string;
  let answer: (response: ServerResponse) => void;
  let received: Received[];
  let attempt: WebhookAttempt;

  beforeAll(async () => {
    server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        received.push({ headers: request.headers, body: Buffer.concat(chunks).toString() });
        answer(response);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/cosmo`;
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  beforeEach(() => {
    received = [];
    answer = (response) => response.writeHead(204).end();
    attempt = new WebhookAttempt(new SignerCache(box, 10), { targets: LOCAL, timeoutMs: 500 });
  });

  afterEach(() => attempt.close());

  function delivery(overrides: Partial<ClaimedDelivery> = {}): ClaimedDelivery {
    return {
      id: 'd-1',
      subscriptionId: 's-1',
      feedEntryId: '1',
      eventId: 'evt-1',
      attempts: 0,
      lastStatusCode: null,
      lastError: null,
      leaseUntil: new Date(),
      webhookUrl: url,
      secretCiphertext: box.seal(secret, 's-1'),
      event: buildCloudEvent({
        id: 'evt-1',
        type: EVENT_TYPES.alertPublished,
        source: 'https://hub.example/organizations/fr-douane',
        time: '2026-12-06T08:00:00Z',
        record: examplePublishedAlert(),
      }),
      current: examplePublishedAlert(),
      subscriber: { code: 'iaea', kind: 'partner' },
      ...overrides,
    };
  }

  it('POSTs the CloudEvent signed afresh on every try, with the event id as webhook-id', async () => {
    const first = await attempt.run(delivery());
    const second = await attempt.run(delivery());
    expect(first).toMatchObject({ outcome: 'delivered', statusCode: 204, error: null });
    expect(first.latencyMs).toBeGreaterThan(0);
    expect(second.outcome).toBe('delivered');
    expect(received).toHaveLength(2);
    for (const { headers, body } of received) {
      expect(headers['content-type']).toBe(CLOUDEVENTS_JSON);
      expect(headers['webhook-id']).toBe('evt-1');
      expect(JSON.parse(body)).toEqual(delivery().event);
      expect(() => verifyWebhook(secret, headers, body)).not.toThrow();
    }
  });

  it('answers a failed attempt with the status when the receiver refuses', async () => {
    answer = (response) => response.writeHead(503).end();
    expect(await attempt.run(delivery())).toMatchObject({
      outcome: 'failed',
      statusCode: 503,
      error: 'endpoint answered 503 Service Unavailable',
    });
  });

  it('answers a timeout when the receiver keeps silent', async () => {
    answer = () => undefined;
    attempt = new WebhookAttempt(new SignerCache(box, 10), { targets: LOCAL, timeoutMs: 100 });
    expect(await attempt.run(delivery())).toMatchObject({ outcome: 'timeout', statusCode: null });
  });

  it('refuses a loopback target unless private targets are allowed, without sending, and tells the operator', async () => {
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    attempt = new WebhookAttempt(new SignerCache(box, 10), {
      targets: { ...LOCAL, allowPrivateTargets: false },
      timeoutMs: 500,
    });
    expect(await attempt.run(delivery())).toMatchObject({
      outcome: 'refused',
      statusCode: null,
      error: 'the webhook host is a loopback address',
    });
    expect(received).toHaveLength(0);
    expect(warn).toHaveBeenCalledWith(
      expect.objectContaining({ msg: 'webhook target refused', deliveryId: 'd-1', reason: 'loopback' }),
    );
    // The log names the host only: a webhook URL's path may carry the subscriber's token.
    expect(JSON.stringify(warn.mock.calls)).not.toContain('/hooks/cosmo');
    warn.mockRestore();
  });

  it('refuses http and a port outside the allowed ones at send time, under the production default', async () => {
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    attempt = new WebhookAttempt(new SignerCache(box, 10), {
      targets: { ...PRODUCTION, allowPrivateTargets: true },
      timeoutMs: 500,
    });
    expect(await attempt.run(delivery())).toMatchObject({
      outcome: 'refused',
      error: 'the webhook URL must use https',
    });
    expect(await attempt.run(delivery({ webhookUrl: url.replace('http:', 'https:') }))).toMatchObject({
      outcome: 'refused',
      error: 'the webhook URL names a port the hub does not deliver to',
    });
    expect(received).toHaveLength(0);
    warn.mockRestore();
  });

  it('fails without sending when the signing secret does not open', async () => {
    const error = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    const other = new SecretBox(randomBytes(32).toString('base64'));
    expect(await attempt.run(delivery({ secretCiphertext: other.seal(secret, 's-1') }))).toMatchObject({
      outcome: 'failed',
      error: 'the hub could not sign the delivery',
    });
    // Sealed for another subscription (a row's secret copied into this one's): refused alike.
    expect(await attempt.run(delivery({ secretCiphertext: box.seal(secret, 's-2') }))).toMatchObject({
      outcome: 'failed',
      error: 'the hub could not sign the delivery',
    });
    expect(received).toHaveLength(0);
    expect(error).toHaveBeenCalledWith(
      expect.objectContaining({ msg: expect.stringContaining('HUB_SECRET_KEY') }),
    );
    expect(JSON.stringify(error.mock.calls)).not.toContain(secret);
    error.mockRestore();
  });
});
