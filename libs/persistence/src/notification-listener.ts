import { Client } from 'pg';

/**
 * A dedicated connection that LISTENs on one channel (see notify-channels: outbox writes, new
 * feed entries, new deliveries). It reconnects on its own after a database restart;
 * every listener also polls, so a lost notification only delays work.
 */
export class NotificationListener {
  private client: Client | null = null;
  private closed = false;
  private reconnectTimer: NodeJS.Timeout | null = null;

  constructor(
    private readonly url: string,
    private readonly channel: string,
    /** With the NOTIFY's payload; without one after (re)connecting, when anything may have changed. */
    private readonly onWake: (payload?: string) => void,
    private readonly onError: (error: Error) => void,
  ) {}

  async start(): Promise<void> {
    this.closed = false;
    await this.connect();
  }

  get listening(): boolean {
    return this.client !== null;
  }

  async stop(): Promise<void> {
    this.closed = true;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    const client = this.client;
    this.client = null;
    await client?.end().catch(() => undefined);
  }

  private async connect(): Promise<void> {
    const client = new Client({
      connectionString: this.url,
      application_name: `cosmo-hub-listen-${this.channel}`,
    });
    client.on('notification', (message) => {
      if (message.channel === this.channel) this.onWake(message.payload);
    });
    client.on('error', (error) => this.lost(client, error));
    client.on('end', () => this.lost(client, new Error(`LISTEN ${this.channel} connection ended`)));
    try {
      await client.connect();
      await client.query(`LISTEN ${this.channel}`);
      this.client = client;
      // Anything written while we were not listening is picked up now.
      this.onWake();
    } catch (error) {
      await client.end().catch(() => undefined);
      this.lost(client, error instanceof Error ? error : new Error(String(error)));
    }
  }

  private lost(client: Client, error: Error): void {
    if (this.client === client) this.client = null;
    if (this.closed || this.reconnectTimer) return;
    this.onError(error);
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      if (!this.closed) void this.connect();
    }, 1000);
  }
}
