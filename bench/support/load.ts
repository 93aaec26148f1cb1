import autocannon from 'autocannon';
import { Agent, request } from 'node:http';
import { performance } from 'node:perf_hooks';

export interface LoadResult {
  /** Requests answered with the expected status per second over the measured window. */
  perSecond: number;
  answered: number;
  /** Requests answered with another status, plus connection errors and timeouts. */
  failures: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
}

export interface LoadSpec {
  url: string;
  method: 'GET' | 'POST';
  headers?: Record<string, string>;
  /** A fresh body for each request (e.g. a unique reference), or none. */
  body?: () => string;
  connections: number;
  durationSeconds: number;
  /** Fixed total rate in requests per second (steady load), instead of as fast as possible. */
  overallRate?: number;
  expectedStatus: number;
}

/** Runs autocannon on loopback and counts only the answers with the expected status as done. */
export async function runLoad(spec: LoadSpec): Promise<LoadResult> {
  const body = spec.body;
  let expected = 0;
  let unexpected = 0;
  const instance = autocannon({
    url: spec.url,
    connections: spec.connections,
    duration: spec.durationSeconds,
    ...(spec.overallRate ? { overallRate: spec.overallRate } : {}),
    requests: [
      {
        method: spec.method,
        headers: spec.headers,
        ...(body ? { setupRequest: (req: autocannon.Request) => ({ ...req, body: body() }) } : {}),
        onResponse: (status: number) => {
          if (status === spec.expectedStatus) expected += 1;
          else unexpected += 1;
        },
      },
    ],
  });
  const result = await instance;
  const seconds = result.duration || spec.durationSeconds;
  return {
    perSecond: expected / seconds,
    answered: expected,
    failures: unexpected + result.errors + result.timeouts,
    latencyP50Ms: result.latency.p50,
    latencyP99Ms: result.latency.p99,
  };
}

export interface PacedRequest {
  key: string;
  body: string;
}

export interface PacedOutcome {
  key: string;
  status: number;
  /** performance.now() when the answer arrived. */
  answeredAt: number;
  responseBody: string;
}

/**
 * Sends one request every 1/rate seconds whatever the answers (an open-loop, steady arrival
 * rate, as independent national systems produce), over keep-alive connections, and records when
 * each answer arrived.
 */
export async function sendPaced(
  url: string,
  headers: Record<string, string>,
  rate: number,
  items: readonly PacedRequest[],
): Promise<PacedOutcome[]> {
  const agent = new Agent({ keepAlive: true, maxSockets: 256 });
  const target = new URL(url);
  const started = performance.now();
  const pending: Promise<PacedOutcome>[] = [];
  try {
    for (let index = 0; index < items.length; index += 1) {
      const due = started + (index * 1000) / rate;
      const wait = due - performance.now();
      if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
      pending.push(post(agent, target, headers, items[index]));
    }
    return await Promise.all(pending);
  } finally {
    agent.destroy();
  }
}

function post(
  agent: Agent,
  target: URL,
  headers: Record<string, string>,
  item: PacedRequest,
): Promise<PacedOutcome> {
  return new Promise((resolve, reject) => {
    const outgoing = request(
      target,
      { method: 'POST', agent, headers: { ...headers, 'content-length': Buffer.byteLength(item.body) } },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () =>
          resolve({
            key: item.key,
            status: response.statusCode ?? 0,
            answeredAt: performance.now(),
            responseBody: Buffer.concat(chunks).toString('utf8'),
          }),
        );
        response.on('error', reject);
      },
    );
    outgoing.on('error', reject);
    outgoing.end(item.body);
  });
}

/** `concurrency` clients each sending its next request as soon as the previous one is answered. */
export async function sendClosedLoop(
  url: string,
  headers: Record<string, string>,
  concurrency: number,
  items: readonly PacedRequest[],
): Promise<PacedOutcome[]> {
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  const target = new URL(url);
  const outcomes: PacedOutcome[] = [];
  let next = 0;
  try {
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < items.length) {
          const item = items[next];
          next += 1;
          outcomes.push(await post(agent, target, headers, item));
        }
      }),
    );
    return outcomes;
  } finally {
    agent.destroy();
  }
}
