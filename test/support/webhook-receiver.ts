import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { verifyWebhook } from '@hub/webhooks';

/** One request as the receiver saw it. Times are `Date.now()` milliseconds. */
export interface ReceivedWebhook {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  /** The raw body, exactly as signed. */
  body: string;
  receivedAt: number;
  /** When the answer was written; null while held, or when the client gave up first. */
  respondedAt: number | null;
  status: number | null;
  /** The signature checked with the subscription's secret (Standard Webhooks, ±5 min). */
  verified: boolean;
  verifyError: string | null;
}

export type WebhookBehaviour = { kind: 'answer'; status: number; delayMs?: number } | { kind: 'hang' };

/**
 * Decides how to treat one request from its `webhook-id` and how many requests with that id
 * came before it (null: the receiver's other settings decide).
 */
export type WebhookPlan = (webhookId: string, earlierAttempts: number) => WebhookBehaviour | null;

/**
 * A real subscriber endpoint on 127.0.0.1 for end-to-end tests: records every request and
 * checks its signature, and can be told to misbehave: fail with a status for the next K
 * requests or for a time window, hang (never answer), answer slowly, or answer 410 Gone.
 */
export class WebhookReceiver {
  readonly requests: ReceivedWebhook[] = [];
  private failures: { remaining: number; status: number } | null = null;
  private failingUntil: { until: number; status: number } | null = null;
  private hangs = 0;
  private delayMs = 0;
  private goneForever = false;
  private decide: WebhookPlan | null = null;
  private readonly secretsByPath = new Map<string, string>();
  private readonly attemptsById = new Map<string, number>();
  private readonly open = new Set<ServerResponse>();

  private readonly server: Server;
  private address = '';

  private constructor(private readonly secret: string | null) {
    this.server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () =>
        this.handle(
          request.method ?? '',
          request.url ?? '',
          request.headers,
          Buffer.concat(chunks),
          response,
        ),
      );
    });
  }

  /** Starts listening on an ephemeral port of 127.0.0.1; `secret` checks each request's signature. */
  static async start(secret: string | null = null, path = '/hooks/cosmo-hub'): Promise<WebhookReceiver> {
    const receiver = new WebhookReceiver(secret);
    await new Promise<void>((resolve) => receiver.server.listen(0, '127.0.0.1', resolve));
    const { port } = receiver.server.address() as AddressInfo;
    receiver.address = `http://127.0.0.1:${port}${path}`;
    return receiver;
  }

  /** The URL to subscribe with. */
  get url(): string {
    return this.address;
  }

  /** Answers `status` to the next `count` requests. */
  failNext(count: number, status = 500): this {
    this.failures = { remaining: count, status };
    return this;
  }

  /** Answers `status` to every request for the next `ms` milliseconds (Infinity: until `recover`). */
  failFor(ms: number, status = 503): this {
    this.failingUntil = { until: Date.now() + ms, status };
    return this;
  }

  /** Never answers the next `count` requests (the sender's timeout must end them). */
  hangNext(count = 1): this {
    this.hangs = count;
    return this;
  }

  /** Waits this long before every answer. */
  slow(delayMs: number): this {
    this.delayMs = delayMs;
    return this;
  }

  /** Checks requests to `path` with this secret (one receiver serving several subscriptions). */
  trust(path: string, secret: string): this {
    this.secretsByPath.set(path, secret);
    return this;
  }

  /** Lets `plan` decide each request by its webhook-id and attempt, e.g. to fail an event's first tries only. */
  plan(decide: WebhookPlan): this {
    this.decide = decide;
    return this;
  }

  /** Answers 410 Gone from now on. */
  gone(): this {
    this.goneForever = true;
    return this;
  }

  /** Back to answering 204 at once. */
  recover(): this {
    this.failures = null;
    this.failingUntil = null;
    this.hangs = 0;
    this.delayMs = 0;
    this.goneForever = false;
    this.decide = null;
    return this;
  }

  /** The `webhook-id` of each request, in arrival order. */
  webhookIds(): string[] {
    return this.requests.map((request) => String(request.headers['webhook-id']));
  }

  /** Requests being held (not answered yet). */
  get pending(): number {
    return this.requests.filter((request) => request.respondedAt === null).length;
  }

  async close(): Promise<void> {
    for (const response of this.open) response.destroy();
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }

  private behaviour(webhookId: string): WebhookBehaviour {
    const earlier = this.attemptsById.get(webhookId) ?? 0;
    this.attemptsById.set(webhookId, earlier + 1);
    if (this.goneForever) return { kind: 'answer', status: 410 };
    if (this.hangs > 0) {
      this.hangs -= 1;
      return { kind: 'hang' };
    }
    if (this.failures && this.failures.remaining > 0) {
      this.failures.remaining -= 1;
      return { kind: 'answer', status: this.failures.status };
    }
    if (this.failingUntil && Date.now() < this.failingUntil.until) {
      return { kind: 'answer', status: this.failingUntil.status };
    }
    return this.decide?.(webhookId, earlier) ?? { kind: 'answer', status: 204 };
  }

  private handle(
    method: string,
    path: string,
    headers: IncomingHttpHeaders,
    raw: Buffer,
    response: ServerResponse,
  ): void {
    const body = raw.toString('utf8');
    // Checked on arrival: the signature's timestamp is only valid for a few minutes.
    const secret = this.secretsByPath.get(path) ?? this.secret;
    let verifyError: string | null = secret === null ? 'no secret given' : null;
    if (secret !== null) {
      try {
        verifyWebhook(secret, headers, body);
      } catch (error) {
        verifyError = error instanceof Error ? error.message : String(error);
      }
    }
    const seen: ReceivedWebhook = {
      method,
      path,
      headers,
      body,
      receivedAt: Date.now(),
      respondedAt: null,
      status: null,
      verified: verifyError === null,
      verifyError,
    };
    this.requests.push(seen);
    const behaviour = this.behaviour(String(headers['webhook-id']));
    if (behaviour.kind === 'hang') {
      this.open.add(response);
      response.on('close', () => this.open.delete(response));
      return;
    }
    const answer = (): void => {
      if (response.destroyed) return;
      seen.respondedAt = Date.now();
      seen.status = behaviour.status;
      response.writeHead(behaviour.status).end();
    };
    const delayMs = behaviour.delayMs ?? this.delayMs;
    if (delayMs > 0) setTimeout(answer, delayMs);
    else answer();
  }
}
