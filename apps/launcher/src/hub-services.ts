import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * kafkajs 2.2.4 arms a timer with a negative delay (tulios/kafkajs#1751); Node 24 warns about it on
 * every connection and uses 1 ms, as Node 20 did silently. Only that warning is silenced.
 */
const NODE_FLAGS = ['--enable-source-maps', '--disable-warning=TimeoutNegativeWarning'];

export interface ServiceSpec {
  name: string;
  /** Compiled entry point, relative to dist/. */
  entry: string;
  env: Record<string, string>;
}

export interface SupervisorOptions {
  /** Appends each service's output to this file instead of the supervisor's own stdout/stderr. */
  logFile?: (name: string) => string;
  /** Told of every exit: `expected` when the supervisor itself stopped or killed the service. */
  onExit?: (name: string, how: string, expected: boolean) => void;
}

/**
 * Runs each hub service as its own Node process (as in production: they scale
 * and fail independently), forwards their JSON logs, and restarts one that
 * dies unexpectedly with a growing delay. The fault suite also kills services
 * on purpose (`kill`) and starts them again when it chooses (`start`).
 */
export class ServiceSupervisor {
  private readonly children = new Map<string, ChildProcess>();
  /** Services stopped or killed on purpose: not restarted until `start` is called again. */
  private readonly held = new Set<string>();
  private stopping = false;

  constructor(
    private readonly distRoot: string,
    private readonly log: (line: string) => void,
    private readonly options: SupervisorOptions = {},
  ) {}

  start(spec: ServiceSpec, restarts = 0): void {
    if (this.children.has(spec.name)) throw new Error(`${spec.name} is already running`);
    this.held.delete(spec.name);
    const output = this.options.logFile ? fs.openSync(this.options.logFile(spec.name), 'a') : 'inherit';
    let child: ChildProcess;
    try {
      child = spawn(process.execPath, [...NODE_FLAGS, path.join(this.distRoot, spec.entry)], {
        env: { ...process.env, ...spec.env },
        stdio: ['ignore', output, output],
      });
    } finally {
      if (typeof output === 'number') fs.closeSync(output);
    }
    this.children.set(spec.name, child);
    const startedAt = Date.now();
    child.on('exit', (code, signal) => {
      if (this.children.get(spec.name) === child) this.children.delete(spec.name);
      const how = signal ?? `code ${code}`;
      const expected = this.stopping || this.held.has(spec.name);
      this.options.onExit?.(spec.name, how, expected);
      if (expected) return;
      // A service that ran for a while gets a fresh restart budget.
      const attempt = Date.now() - startedAt > 60_000 ? 0 : restarts + 1;
      const delay = Math.min(30_000, 500 * 2 ** attempt);
      this.log(`[hub] ${spec.name} exited (${how}); restarting in ${delay} ms`);
      setTimeout(() => {
        if (!this.stopping && !this.held.has(spec.name) && !this.children.has(spec.name))
          this.start(spec, attempt);
      }, delay).unref();
    });
  }

  isRunning(name: string): boolean {
    return this.children.has(name);
  }

  /** Sends a signal (SIGKILL: a crash) and waits for the exit; the service stays down until `start`. */
  async kill(name: string, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    this.held.add(name);
    const child = this.children.get(name);
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill(signal);
    });
  }

  async stopAll(): Promise<void> {
    this.stopping = true;
    await Promise.all(
      [...this.children.values()].map(
        (child) =>
          new Promise<void>((resolve) => {
            const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
            child.once('exit', () => {
              clearTimeout(timer);
              resolve();
            });
            child.kill('SIGTERM');
          }),
      ),
    );
  }
}

/** Polls a service's /health until it answers 200 (with METRICS_TOKEN, where the service needs it). */
export async function waitHealthy(url: string, timeoutMs: number, metricsToken?: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer';
  const headers = metricsToken ? { authorization: `Bearer ${metricsToken}` } : undefined;
  while (Date.now() < deadline) {
    try {
      const response = await fetch(url, { headers });
      if (response.ok) return;
      last = `${response.status} ${await response.text()}`;
    } catch (error) {
      last = error instanceof Error ? error.message : String(error);
    }
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
  throw new Error(`${url} not healthy after ${timeoutMs} ms: ${last}`);
}
