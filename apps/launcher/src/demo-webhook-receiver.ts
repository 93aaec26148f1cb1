import { createServer, type Server } from 'node:http';
import { verifyWebhook } from '@hub/webhooks';

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
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
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
        const event = JSON.parse(body || '{}') as {
          type?: string;
          data?: { reference?: string; title?: string };
        };
        this.log(
          `[webhook ${agency}] ${event.type ?? '?'} ${event.data?.reference ?? ''} "${event.data?.title ?? ''}" (${verdict})`,
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
