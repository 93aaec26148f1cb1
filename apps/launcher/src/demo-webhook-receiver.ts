import { createServer, type Server } from 'node:http';
import { verifyWebhook } from '@hub/webhooks';

const MAX_BODY_BYTES = 1024 * 1024;

interface DeliveredEvent {
  type?: string;
  data?: {
    reference?: string;
    title?: string;
    customsOffice?: string;
    country?: string;
    commodities?: { description?: string }[];
  };
}

function parseEvent(body: string): DeliveredEvent | null {
  try {
    const parsed: unknown = JSON.parse(body);
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? parsed : null;
  } catch {
    return null;
  }
}

/** An alert's title; a seizure notice has none, so what was seized, where. */
function headline(event: DeliveredEvent): string {
  const data = event.data ?? {};
  if (data.title) return data.title;
  const goods = data.commodities?.[0]?.description;
  return goods ? `${goods} seized at ${data.customsOffice ?? '?'} (${data.country ?? '?'})` : '';
}

/**
 * Stands in for the partner agencies' systems in the demo: a local endpoint that
 * checks each webhook's signature with the subscription's secret and prints what
 * arrived, so a new user sees tailored, signed delivery at once.
 */
export class DemoWebhookReceiver {
  private server: Server | null = null;
  private readonly secrets = new Map<string, string>();

  constructor(
    private readonly port: number,
    private readonly log: (line: string) => void,
  ) {}

  urlFor(agency: string): string {
    return `http://127.0.0.1:${this.port}/webhooks/${agency}`;
  }

  trust(agency: string, secret: string): void {
    this.secrets.set(agency, secret);
  }

  async start(): Promise<void> {
    this.server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      let size = 0;
      // A client that goes away mid-request must not take the demo down with it.
      request.on('error', () => response.destroy());
      request.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > MAX_BODY_BYTES) {
          response.writeHead(413, { connection: 'close' }).end();
          request.destroy();
        } else chunks.push(chunk);
      });
      request.on('end', () => {
        if (size > MAX_BODY_BYTES) return;
        const agency = (request.url ?? '').split('/').pop() ?? '';
        const body = Buffer.concat(chunks).toString('utf8');
        const secret = this.secrets.get(agency);
        let verdict = 'no secret known';
        if (secret) {
          try {
            verifyWebhook(secret, request.headers, body);
            verdict = 'signature ok';
          } catch {
            verdict = 'SIGNATURE INVALID';
          }
        }
        const event = parseEvent(body);
        if (!event) {
          this.log(`[webhook ${agency}] refused a request that is not a JSON CloudEvent (${verdict})`);
          response.writeHead(400).end();
          return;
        }
        this.log(
          `[webhook ${agency}] ${event.type ?? '?'} ${event.data?.reference ?? ''} "${headline(event)}" (${verdict})`,
        );
        response.writeHead(verdict === 'signature ok' ? 204 : 401).end();
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(this.port, '127.0.0.1', resolve));
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
