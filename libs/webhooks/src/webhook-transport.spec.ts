import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebhookTargetRefused } from './webhook-target.guard';
import { WebhookTimeout, WebhookTransport } from './webhook-transport';

interface Seen {
  headers: IncomingMessage['headers'];
  body: string;
  remotePort: number;
}

describe(WebhookTransport.name, () => {
  let server: Server;
  let port: number;
  const seen: Seen[] = [];
  let answer: (request: IncomingMessage, response: ServerResponse) => void;
  const transports: WebhookTransport[] = [];
  const transport = (
    allowPrivateTargets = true,
    lookup?: () => Promise<{ address: string; family: number }[]>,
  ) => {
    const made = new WebhookTransport({ allowPrivateTargets, lookup });
    transports.push(made);
    return made;
  };

  beforeAll(async () => {
    server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        seen.push({
          headers: request.headers,
          body: Buffer.concat(chunks).toString('utf8'),
          remotePort: request.socket.remotePort ?? 0,
        });
        answer(request, response);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });

  beforeEach(() => {
    seen.length = 0;
    answer = (_request, response) => response.writeHead(204).end();
  });

  afterAll(async () => {
    for (const made of transports) made.close();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('POSTs the body and headers and reuses the connection', async () => {
    const client = transport();
    const request = {
      url: `http://127.0.0.1:${port}/hook`,
      headers: { 'content-type': 'application/cloudevents+json', 'webhook-id': 'e-1' },
      body: '{"id":"e-1","data":{"title":"Maraging steel tubes"}}',
      timeoutMs: 2000,
    };
    expect(await client.post(request)).toBe(204);
    expect(await client.post(request)).toBe(204);
    expect(seen.map((entry) => entry.body)).toEqual([request.body, request.body]);
    expect(seen[0].headers).toMatchObject({
      'content-type': 'application/cloudevents+json',
      'webhook-id': 'e-1',
      'content-length': String(Buffer.byteLength(request.body)),
      connection: 'keep-alive',
    });
    expect(seen[1].remotePort).toBe(seen[0].remotePort);
  });

  it('answers the status of a failure or a redirect without following it', async () => {
    answer = (_request, response) => response.writeHead(503).end('busy');
    expect(
      await transport().post({ url: `http://127.0.0.1:${port}/`, headers: {}, body: '{}', timeoutMs: 2000 }),
    ).toBe(503);
    answer = (_request, response) => response.writeHead(307, { location: 'http://169.254.169.254/' }).end();
    expect(
      await transport().post({ url: `http://127.0.0.1:${port}/`, headers: {}, body: '{}', timeoutMs: 2000 }),
    ).toBe(307);
    expect(seen).toHaveLength(2);
  });

  it('gives up after the timeout when the receiver hangs', async () => {
    answer = () => undefined;
    const started = Date.now();
    await expect(
      transport().post({ url: `http://127.0.0.1:${port}/`, headers: {}, body: '{}', timeoutMs: 300 }),
    ).rejects.toBeInstanceOf(WebhookTimeout);
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('times out a response whose body never ends', async () => {
    answer = (_request, response) => {
      response.writeHead(200, { 'content-length': '100' });
      response.write('partial');
    };
    await expect(
      transport().post({ url: `http://127.0.0.1:${port}/`, headers: {}, body: '{}', timeoutMs: 300 }),
    ).rejects.toBeInstanceOf(WebhookTimeout);
  });

  it('refuses, at connect time, a name that resolves to a private address', async () => {
    const rebinding = () => Promise.resolve([{ address: '127.0.0.1', family: 4 }]);
    await expect(
      transport(false, rebinding).post({
        url: `http://hooks.partner.example:${port}/`,
        headers: {},
        body: '{}',
        timeoutMs: 2000,
      }),
    ).rejects.toBeInstanceOf(WebhookTargetRefused);
    expect(seen).toHaveLength(0);
  });
});
