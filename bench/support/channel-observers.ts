import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import type { Consumer, Kafka } from 'kafkajs';
import { verifyWebhook } from '@hub/webhooks';
import { type BenchOrganization } from './hub-api';

/** Records when each record (by its id) first arrived on one delivery channel (performance.now()). */
export abstract class ChannelObserver {
  readonly arrivals = new Map<string, number>();
  abstract readonly channel: string;

  protected arrived(recordId: string): void {
    if (!this.arrivals.has(recordId)) this.arrivals.set(recordId, performance.now());
  }

  abstract stop(): Promise<void>;
}

/**
 * A subscriber's webhook endpoint on loopback: checks each delivery's signature as a partner
 * would (a bad one is answered 400 and counted), then answers 204.
 */
export class WebhookCollector extends ChannelObserver {
  readonly channel = 'webhook';
  rejected = 0;
  private secret: string | null = null;
  private readonly server: Server;

  constructor() {
    super();
    this.server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        try {
          if (this.secret) verifyWebhook(this.secret, request.headers, body);
          const event = JSON.parse(body) as { data: { id: string } };
          this.arrived(event.data.id);
          response.writeHead(204).end();
        } catch {
          this.rejected += 1;
          response.writeHead(400).end();
        }
      });
    });
  }

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/cosmo-hub`;
  }

  trust(secret: string): void {
    this.secret = secret;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** A national system long-polling its pull feed, page after page, as the README describes. */
export class PullFeedReader extends ChannelObserver {
  readonly channel = 'pull feed';
  private readonly controller = new AbortController();
  private loop: Promise<void> | null = null;

  constructor(
    private readonly gatewayUrl: string,
    private readonly subscriber: BenchOrganization,
    private readonly subscriptionId: string,
  ) {
    super();
  }

  start(): void {
    this.loop = this.read();
  }

  private async read(): Promise<void> {
    let cursor: string | null = null;
    while (!this.controller.signal.aborted) {
      const query: string = `limit=500&wait=20${cursor ? `&after=${encodeURIComponent(cursor)}` : ''}`;
      try {
        const response = await fetch(
          `${this.gatewayUrl}/v1/subscriptions/${this.subscriptionId}/events?${query}`,
          {
            headers: { authorization: `Bearer ${this.subscriber.apiKey}` },
            signal: this.controller.signal,
          },
        );
        if (response.status !== 200) throw new Error(`pull feed answered ${response.status}`);
        const page = (await response.json()) as {
          events: { data: { id: string } }[];
          nextCursor: string | null;
        };
        for (const event of page.events) this.arrived(event.data.id);
        cursor = page.nextCursor;
      } catch (error) {
        if (this.controller.signal.aborted) return;
        throw error;
      }
    }
  }

  async stop(): Promise<void> {
    this.controller.abort();
    await this.loop;
  }
}

/** A RILO node reading its region's stream with a consumer group of its own, from the end. */
export class RegionalTopicReader extends ChannelObserver {
  readonly channel = 'regional topic';
  /** When the router produced each record's message (its CreateTime, epoch ms), for the hop breakdown. */
  readonly producedAt = new Map<string, number>();
  private consumer: Consumer | null = null;

  constructor(
    private readonly kafka: Kafka,
    private readonly topic: string,
  ) {
    super();
  }

  async start(): Promise<void> {
    const consumer = this.kafka.consumer({
      groupId: `bench-rilo-${randomUUID().slice(0, 8)}`,
      maxWaitTimeInMs: 100,
    });
    const joined = new Promise<void>((resolve) => consumer.on(consumer.events.FETCH_START, () => resolve()));
    await consumer.connect();
    await consumer.subscribe({ topic: this.topic, fromBeginning: false });
    await consumer.run({
      eachMessage: ({ message }) => {
        const recordId = String(message.headers?.ce_subject ?? '');
        if (!this.producedAt.has(recordId)) this.producedAt.set(recordId, Number(message.timestamp));
        this.arrived(recordId);
        return Promise.resolve();
      },
    });
    await joined;
    this.consumer = consumer;
  }

  async stop(): Promise<void> {
    await this.consumer?.disconnect();
  }
}

/** Waits until every id has arrived on every observer; throws naming the channel that fell short. */
export async function allArrived(
  observers: readonly ChannelObserver[],
  ids: readonly string[],
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (const observer of observers) {
    while (ids.some((id) => !observer.arrivals.has(id))) {
      if (Date.now() > deadline) {
        const missing = ids.filter((id) => !observer.arrivals.has(id)).length;
        throw new Error(
          `${observer.channel}: ${missing} of ${ids.length} records not arrived after ${timeoutMs} ms`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
}
