import { request as httpRequest } from 'node:http';
import {
  type Handling,
  recordBody,
  type RecordSpec,
  recordState,
  revisionPatch,
} from '../support/intelligence-scenarios';
import type { ReferenceOrganization, ReferenceRecordState } from '../support/reference-rules';

export interface StreamOrganization {
  code: string;
  apiKey: string;
  reference: ReferenceOrganization;
}

/** What became of one request, as its client saw it. */
type Answer =
  | { kind: 'answered'; status: number; body: Record<string, unknown> | null }
  /** The connection was refused: the request never reached a gateway, so it is safe to send again. */
  | { kind: 'refused'; reason: string }
  /** Sent, but no answer came (reset, hang-up, timeout): it may or may not have been carried out. */
  | { kind: 'unanswered'; reason: string };

export interface VersionLog {
  state: ReferenceRecordState;
  /** The request that made it got a 2xx. */
  acknowledged: boolean;
  change: 'submit' | 'revise' | 'withdraw';
}

/** One record's life as its originator's client lived it. */
export interface RecordLog {
  index: number;
  spec: RecordSpec;
  originator: StreamOrganization;
  path: 'alerts' | 'seizures';
  reference: string;
  /** What the submission says, for the reference rules. */
  submitted: ReferenceRecordState;
  /** From the answer to the submission. */
  recordId: string | null;
  /** Submissions sent for this reference (more than one when an answer did not come). */
  submissions: number;
  /** Status of the answer that ended the submission (201, or 200 when an unanswered one had been stored). */
  submitStatus: number | null;
  versions: Map<number, VersionLog>;
  /** A revision or withdrawal whose answer never came: the database says whether it happened. */
  uncertain: { version: number; log: VersionLog } | null;
}

export interface StreamCounts {
  requests: number;
  acknowledged: { submissions: number; revisions: number; withdrawals: number };
  /** Sends that got no answer (each resent submission counts once per failed send). */
  unanswered: number;
  /** Sends answered with a 5xx (nothing was acknowledged). */
  serverErrors: number;
  /** Of the unanswered, those whose answer the suite cut off on purpose (the connection closed after sending). */
  answersDropped: number;
  refused: number;
  /** Submissions that needed more than one send. */
  resentSubmissions: number;
  /** Of those, answered 200: the unanswered send had been stored, and the resend found it. */
  resentFoundStored: number;
  uncertainChanges: number;
}

export interface RecordStreamOptions {
  gatewayUrl: string;
  organizations: StreamOrganization[];
  specs: RecordSpec[];
  /** Records started per second. */
  ratePerSecond: number;
  /** Requests in flight at once. */
  concurrency: number;
  runTag: string;
}

const REQUEST_TIMEOUT_MS = 30_000;
/** A client that cannot get an answer for this long reports the hub unavailable (an anomaly). */
const GIVE_UP_MS = 180_000;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A steady stream of alerts and seizure notices from many organizations, with revisions and
 * withdrawals, sent the way a careful national system sends them: a submission that gets no
 * answer is sent again with the same `reference` and body until one comes; a revision or
 * withdrawal that gets none is not repeated (it is not idempotent), and the database decides
 * later whether it happened. Every answer is kept for the audit.
 */
export class RecordStream {
  readonly records: RecordLog[] = [];
  readonly anomalies: string[] = [];
  readonly counts: StreamCounts = {
    requests: 0,
    acknowledged: { submissions: 0, revisions: 0, withdrawals: 0 },
    unanswered: 0,
    serverErrors: 0,
    answersDropped: 0,
    refused: 0,
    resentSubmissions: 0,
    resentFoundStored: 0,
    uncertainChanges: 0,
  };
  private readonly lives: Promise<void>[] = [];
  private readonly codes: string[];
  private launcher: NodeJS.Timeout | null = null;
  private dropAnswersUntil = 0;
  private next = 0;
  private inFlight = 0;
  private readonly waiting: (() => void)[] = [];
  private inFlightWaiters: { count: number; resolve: () => void }[] = [];

  constructor(private readonly options: RecordStreamOptions) {
    this.codes = options.organizations.map((organization) => organization.code);
  }

  start(): void {
    this.launcher = setInterval(() => {
      if (this.next >= this.options.specs.length) return;
      const index = this.next++;
      this.lives.push(this.live(index));
    }, 1000 / this.options.ratePerSecond);
  }

  /** Stops starting records and waits until every started one has finished its life. */
  async stop(): Promise<void> {
    if (this.launcher) clearInterval(this.launcher);
    this.launcher = null;
    await Promise.all(this.lives);
  }

  get started(): number {
    return this.next;
  }

  /** Starts `count` records at once, on top of the steady rate: many requests in flight for a fault to hit. */
  burst(count: number): void {
    for (let started = 0; started < count && this.next < this.options.specs.length; started += 1)
      this.lives.push(this.live(this.next++));
  }

  /**
   * For `ms`, every third request loses its answer on the way back: the client closes the
   * connection right after sending, while the gateway carries the request out.
   */
  dropAnswers(ms: number): void {
    this.dropAnswersUntil = Date.now() + ms;
  }

  /** Resolves once at least `count` requests are in flight (sent, not yet answered). */
  async inFlightAtLeast(count: number): Promise<void> {
    if (this.inFlight >= count) return;
    await new Promise<void>((resolve) => this.inFlightWaiters.push({ count, resolve }));
  }

  private async live(index: number): Promise<void> {
    const spec = this.options.specs[index];
    const originator = this.options.organizations[spec.originator];
    const state = (goods = spec.goods, handling: Handling = spec.handling): ReferenceRecordState =>
      recordState(spec, originator.reference, this.codes, goods, handling);
    const log: RecordLog = {
      index,
      submitted: state(),
      spec,
      originator,
      path: spec.type === 'alert' ? 'alerts' : 'seizures',
      reference: `FAULT-${this.options.runTag}-${index}`,
      recordId: null,
      submissions: 0,
      submitStatus: null,
      versions: new Map(),
      uncertain: null,
    };
    this.records.push(log);
    if (!(await this.submit(log, log.submitted))) return;
    const steps: { change: 'revise' | 'withdraw'; state: ReferenceRecordState; body?: unknown }[] = [];
    if (spec.then.kind === 'revise') {
      const revised = state(spec.then.goods, spec.then.handling);
      steps.push({
        change: 'revise',
        state: revised,
        body: revisionPatch(spec, this.codes, spec.then.goods, spec.then.handling),
      });
      // Every other revised record is withdrawn afterwards too: three versions in a row.
      if (index % 2 === 0) steps.push({ change: 'withdraw', state: revised });
    } else if (spec.then.kind === 'withdraw') {
      steps.push({ change: 'withdraw', state: state() });
    }
    for (const step of steps) {
      // Revisions come a little later, while other records stream in.
      await sleep(500 + ((index * 7919) % 3500));
      if (!(await this.change(log, step.change, step.state, step.body))) return;
    }
  }

  private async submit(log: RecordLog, state: ReferenceRecordState): Promise<boolean> {
    const body = recordBody(log.spec, this.codes, log.reference);
    const deadline = Date.now() + GIVE_UP_MS;
    for (let attempt = 0; ; attempt += 1) {
      log.submissions += 1;
      const answer = await this.send('POST', `/v1/${log.path}`, log.originator.apiKey, body);
      if (answer.kind === 'answered' && answer.status < 500) {
        if (answer.status !== 201 && answer.status !== 200) {
          this.anomalies.push(
            `${log.reference}: submission answered ${answer.status} ${JSON.stringify(answer.body)}`,
          );
          return false;
        }
        if (answer.status === 200 && log.submissions === 1)
          this.anomalies.push(`${log.reference}: a first submission was answered 200 (replayed)`);
        log.recordId = String(answer.body?.id);
        log.submitStatus = answer.status;
        log.versions.set(1, { state, acknowledged: true, change: 'submit' });
        this.counts.acknowledged.submissions += 1;
        if (log.submissions > 1) {
          this.counts.resentSubmissions += 1;
          if (answer.status === 200) this.counts.resentFoundStored += 1;
        }
        if (answer.body?.version !== 1)
          this.anomalies.push(
            `${log.reference}: submission answered version ${String(answer.body?.version)}`,
          );
        return true;
      }
      if (Date.now() > deadline) {
        this.anomalies.push(`${log.reference}: no answer to its submission for ${GIVE_UP_MS / 1000} s`);
        return false;
      }
      await sleep(Math.min(2000, 200 * 2 ** Math.min(attempt, 4)));
    }
  }

  private async change(
    log: RecordLog,
    change: 'revise' | 'withdraw',
    state: ReferenceRecordState,
    body: unknown,
  ): Promise<boolean> {
    const version = Math.max(...log.versions.keys()) + 1;
    const route =
      change === 'revise' ? `/v1/${log.path}/${log.recordId}` : `/v1/${log.path}/${log.recordId}/withdraw`;
    const deadline = Date.now() + GIVE_UP_MS;
    for (let attempt = 0; ; attempt += 1) {
      const answer = await this.send(
        change === 'revise' ? 'PATCH' : 'POST',
        route,
        log.originator.apiKey,
        body,
      );
      if (answer.kind === 'refused') {
        // Nothing reached a gateway: sending again cannot make a second version.
        if (Date.now() > deadline) {
          this.anomalies.push(
            `${log.reference}: could not reach the gateway to ${change} for ${GIVE_UP_MS / 1000} s`,
          );
          return false;
        }
        await sleep(Math.min(2000, 200 * 2 ** Math.min(attempt, 4)));
        continue;
      }
      const versionLog: VersionLog = { state, acknowledged: false, change };
      if (answer.kind === 'unanswered' || answer.status >= 500) {
        log.uncertain = { version, log: versionLog };
        this.counts.uncertainChanges += 1;
        return false;
      }
      if (answer.status !== 200) {
        this.anomalies.push(
          `${log.reference}: ${change} answered ${answer.status} ${JSON.stringify(answer.body)}`,
        );
        return false;
      }
      if (answer.body?.version !== version)
        this.anomalies.push(
          `${log.reference}: ${change} answered version ${String(answer.body?.version)}, not ${version}`,
        );
      versionLog.acknowledged = true;
      log.versions.set(version, versionLog);
      if (change === 'revise') this.counts.acknowledged.revisions += 1;
      else this.counts.acknowledged.withdrawals += 1;
      return true;
    }
  }

  /** One request on a fresh connection (no keep-alive: a refused connection then proves nothing was sent). */
  private async send(method: string, route: string, key: string, body: unknown): Promise<Answer> {
    await this.acquire();
    this.counts.requests += 1;
    const drop = Date.now() < this.dropAnswersUntil && this.counts.requests % 3 === 0;
    try {
      const answer = await new Promise<Answer>((settle) => {
        let settled = false;
        const resolve = (answer: Answer): void => {
          if (settled) return;
          settled = true;
          settle(answer);
        };
        const payload = body === undefined ? undefined : JSON.stringify(body);
        const request = httpRequest(
          `${this.options.gatewayUrl}${route}`,
          {
            method,
            agent: false,
            timeout: REQUEST_TIMEOUT_MS,
            headers: {
              authorization: `Bearer ${key}`,
              ...(payload === undefined
                ? {}
                : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) }),
            },
          },
          (response) => {
            const chunks: Buffer[] = [];
            response.on('data', (chunk: Buffer) => chunks.push(chunk));
            response.on('error', (error) => resolve({ kind: 'unanswered', reason: error.message }));
            response.on('end', () => {
              const text = Buffer.concat(chunks).toString('utf8');
              let parsed: Record<string, unknown> | null;
              try {
                parsed = text ? (JSON.parse(text) as Record<string, unknown>) : null;
              } catch {
                parsed = { text };
              }
              resolve({ kind: 'answered', status: response.statusCode ?? 0, body: parsed });
            });
          },
        );
        request.on('timeout', () => request.destroy(new Error('timed out')));
        if (drop)
          request.on('finish', () =>
            setTimeout(() => {
              if (settled) return;
              this.counts.answersDropped += 1;
              request.destroy(new Error('answer dropped on the way back'));
            }, 5),
          );
        request.on('error', (error: NodeJS.ErrnoException) =>
          resolve(
            error.code === 'ECONNREFUSED'
              ? { kind: 'refused', reason: error.message }
              : { kind: 'unanswered', reason: error.message },
          ),
        );
        request.end(payload);
      });
      if (answer.kind === 'refused') this.counts.refused += 1;
      else if (answer.kind === 'unanswered') this.counts.unanswered += 1;
      else if (answer.status >= 500) this.counts.serverErrors += 1;
      return answer;
    } finally {
      this.release();
    }
  }

  private async acquire(): Promise<void> {
    if (this.inFlight < this.options.concurrency) {
      this.inFlight += 1;
      this.inFlightChanged();
      return;
    }
    await new Promise<void>((resolve) => this.waiting.push(resolve));
  }

  private inFlightChanged(): void {
    const ready = this.inFlightWaiters.filter((waiter) => this.inFlight >= waiter.count);
    this.inFlightWaiters = this.inFlightWaiters.filter((waiter) => this.inFlight < waiter.count);
    for (const waiter of ready) waiter.resolve();
  }

  private release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.inFlight -= 1;
  }
}
