import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import {
  assertPublicAddresses,
  type HostLookup,
  parseWebhookUrl,
  type ResolvedAddress,
  systemLookup,
} from './webhook-target.guard';

export interface WebhookRequest {
  url: string;
  headers: Record<string, string>;
  body: string;
  /** For the whole exchange: connecting, sending, and reading the complete response. */
  timeoutMs: number;
}

/** The receiver did not answer completely within the timeout. */
export class WebhookTimeout extends Error {
  override readonly name = 'WebhookTimeout';

  constructor(readonly timeoutMs: number) {
    super(`no complete answer within ${timeoutMs} ms`);
  }
}

export interface WebhookTransportOptions {
  /** When false, every new connection is pinned to addresses the SSRF guard accepts. */
  allowPrivateTargets: boolean;
  lookup?: HostLookup;
  /** Connections per receiver host (default 64). */
  maxSocketsPerHost?: number;
}

// Idle pooled connections are closed before common server keep-alive timeouts (Node's 5 s).
const IDLE_SOCKET_TIMEOUT_MS = 4000;

function familyOf(option: number | string | undefined): number | undefined {
  if (option === 4 || option === 'IPv4') return 4;
  if (option === 6 || option === 'IPv6') return 6;
  return undefined;
}

/**
 * A DNS lookup for new connections that refuses non-public answers, so a host that resolved to
 * a public address when checked cannot be re-pointed at an internal one before connecting.
 */
function guardedLookup(resolve: HostLookup): LookupFunction {
  return (hostname, options, callback) => {
    resolve(hostname).then(
      (found) => {
        let usable: ResolvedAddress[];
        try {
          assertPublicAddresses(found);
          const family = familyOf(options.family);
          usable = family ? found.filter((entry) => entry.family === family) : found;
          if (usable.length === 0)
            throw Object.assign(new Error(`no address for ${hostname}`), { code: 'ENOTFOUND' });
        } catch (error) {
          callback(error as NodeJS.ErrnoException, '', 0);
          return;
        }
        if (options.all) callback(null, usable);
        else callback(null, usable[0].address, usable[0].family);
      },
      (error: NodeJS.ErrnoException) => callback(error, '', 0),
    );
  };
}

/**
 * POSTs webhook deliveries over pooled keep-alive connections. Redirects are not followed (a
 * 3xx is an answer like any other), and the response body is read and dropped so the
 * connection can be reused.
 */
export class WebhookTransport {
  private readonly httpAgent: http.Agent;
  private readonly httpsAgent: https.Agent;
  private readonly lookup: LookupFunction | undefined;

  constructor(options: WebhookTransportOptions) {
    const agentOptions = {
      keepAlive: true,
      maxSockets: options.maxSocketsPerHost ?? 64,
      timeout: IDLE_SOCKET_TIMEOUT_MS,
    };
    this.httpAgent = new http.Agent(agentOptions);
    this.httpsAgent = new https.Agent(agentOptions);
    this.lookup = options.allowPrivateTargets ? undefined : guardedLookup(options.lookup ?? systemLookup);
  }

  /** Resolves with the HTTP status; rejects with `WebhookTimeout`, `WebhookTargetRefused` or a network error. */
  async post(request: WebhookRequest): Promise<number> {
    try {
      return await this.exchange(request, false);
    } catch (error) {
      // A pooled connection the receiver closed just as it was reused: once more on a fresh one.
      if ((error as { reusedSocket?: boolean }).reusedSocket === true) return this.exchange(request, true);
      throw error;
    }
  }

  close(): void {
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
  }

  private exchange(request: WebhookRequest, freshConnection: boolean): Promise<number> {
    const url = parseWebhookUrl(request.url);
    const secure = url.protocol === 'https:';
    const body = Buffer.from(request.body, 'utf8');
    return new Promise<number>((resolve, reject) => {
      const controller = new AbortController();
      let settled = false;
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        controller.abort();
      }, request.timeoutMs);
      const settle = (error: Error | null, status?: number): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (timedOut) reject(new WebhookTimeout(request.timeoutMs));
        else if (error) reject(error);
        else resolve(status!);
      };
      const options: http.RequestOptions = {
        method: 'POST',
        agent: secure ? this.httpsAgent : this.httpAgent,
        headers: { ...request.headers, 'content-length': String(body.length) },
        signal: controller.signal,
        ...(this.lookup ? { lookup: this.lookup } : {}),
      };
      if (freshConnection) options.agent = new (secure ? https : http).Agent({ keepAlive: false });
      const outgoing = (secure ? https : http).request(url, options, (response) => {
        response.resume();
        response.on('end', () => settle(null, response.statusCode ?? 0));
        response.on('error', (error) => settle(error));
        response.on('close', () => {
          if (!response.complete) settle(new Error('the response was cut off'));
        });
      });
      outgoing.on('error', (error) => {
        const reused =
          outgoing.reusedSocket && !timedOut && (error as NodeJS.ErrnoException).code === 'ECONNRESET';
        settle(reused ? Object.assign(error, { reusedSocket: true }) : error);
      });
      outgoing.end(body);
    });
  }
}
