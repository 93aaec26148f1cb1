import { spawn, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';

export interface ServiceSpec {
  name: string;
  /** Compiled entry point, relative to dist/. */
  entry: string;
  env: Record<string, string>;
}

/**
 * Runs each hub service as its own Node process (as in production: they scale
 * and fail independently), forwards their JSON logs, and restarts one that
 * dies unexpectedly with a growing delay.
 */
export class ServiceSupervisor {
  private readonly children = new Map<string, ChildProcess>();
  private stopping = false;

  constructor(
    private readonly distRoot: string,
    private readonly log: (line: string) => void,
  ) {}

  start(spec: ServiceSpec, restarts = 0): void {
    const child = spawn(process.execPath, ['--enable-source-maps', path.join(this.distRoot, spec.entry)], {
      env: { ...process.env, ...spec.env },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    this.children.set(spec.name, child);
    const startedAt = Date.now();
    child.on('exit', (code, signal) => {
      this.children.delete(spec.name);
      if (this.stopping) return;
      // A service that ran for a while gets a fresh restart budget.
      const attempt = Date.now() - startedAt > 60_000 ? 0 : restarts + 1;
      const delay = Math.min(30_000, 500 * 2 ** attempt);
      this.log(`[hub] ${spec.name} exited (${signal ?? code}); restarting in ${delay} ms`);
      setTimeout(() => this.start(spec, attempt), delay).unref();
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

/** Polls a service's /health until it answers 200. */
export async function waitHealthy(url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer';
  while (Date.now() < deadline) {
    try {
      const response = await fetch(url);
      if (response.ok) return;
      last = `${response.status} ${await response.text()}`;
    } catch (error) {
      last = error instanceof Error ? error.message : String(error);
    }
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
  throw new Error(`${url} not healthy after ${timeoutMs} ms: ${last}`);
}
