import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { waitHealthy } from '../../apps/launcher/src/hub-services';

export interface ServiceProcessSpec {
  /** Name in logs and reports, e.g. `gateway` or `router-2`. */
  name: string;
  /** Compiled entry point relative to dist/, e.g. `apps/gateway/src/main.js`. */
  entry: string;
  env: Record<string, string>;
  /** Where /health answers once the service is ready; null for processes without one. */
  healthUrl: string | null;
  /** METRICS_TOKEN, where /health needs it (the gateway's public listener). */
  healthToken?: string;
  /** Extra Node flags (e.g. --cpu-prof when profiling). */
  nodeFlags?: string[];
  args?: string[];
}

/**
 * A hub service (or a benchmark helper) in its own Node process, as in production: its own
 * event loop and heap, its JSON logs written to a file under .cache/bench/logs.
 */
export class ServiceProcess {
  /** Every process started and not yet exited, so that the benchmarks never leave one behind. */
  private static readonly live = new Set<ServiceProcess>();
  private exited = false;
  /** The inspector's address, read once from the log (it is printed at start). */
  private inspector: string | undefined;

  private constructor(
    readonly name: string,
    private readonly child: ChildProcess,
    readonly logFile: string,
  ) {
    ServiceProcess.live.add(this);
    child.once('exit', () => {
      this.exited = true;
      ServiceProcess.live.delete(this);
    });
  }

  /** Stops whatever is still running (at the end, or after a failure). */
  static async stopAll(): Promise<void> {
    await Promise.all([...ServiceProcess.live].map((service) => service.stop()));
  }

  static async start(distRoot: string, logDir: string, spec: ServiceProcessSpec): Promise<ServiceProcess> {
    const logFile = path.join(logDir, `${spec.name}-${Date.now()}.log`);
    const log = fs.openSync(logFile, 'a');
    const flags = [
      ...(process.env.BENCH_NODE_FLAGS?.split(' ').filter(Boolean) ?? []),
      ...(spec.nodeFlags ?? []),
    ];
    const child = spawn(process.execPath, [...flags, path.join(distRoot, spec.entry), ...(spec.args ?? [])], {
      env: { ...process.env, ...spec.env },
      stdio: ['ignore', log, log],
      cwd: path.resolve(distRoot, '..'),
    });
    fs.closeSync(log);
    const service = new ServiceProcess(spec.name, child, logFile);
    if (spec.healthUrl) {
      const failed = new Promise<never>((_, reject) =>
        child.once('exit', (code) =>
          reject(new Error(`${spec.name} exited (${code}) during start; see ${logFile}`)),
        ),
      );
      failed.catch(() => undefined);
      await Promise.race([waitHealthy(spec.healthUrl, 90_000, spec.healthToken), failed]);
    }
    return service;
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  get running(): boolean {
    return !this.exited;
  }

  /** Resident set size now, from /proc (bytes). */
  residentBytes(): number {
    const status = fs.readFileSync(`/proc/${this.pid}/status`, 'utf8');
    const match = /^VmRSS:\s+(\d+) kB$/m.exec(status);
    return match ? Number(match[1]) * 1024 : Number.NaN;
  }

  /**
   * The V8 heap in use right after a full collection (bytes), through the inspector of a process
   * started with `--inspect=127.0.0.1:0` (it writes its address to the log): what the process
   * still holds, unlike its resident size, which falls only when V8 gives pages back.
   */
  async heapAfterCollection(): Promise<number> {
    this.inspector ??= /Debugger listening on (ws:\/\/\S+)/.exec(fs.readFileSync(this.logFile, 'utf8'))?.[1];
    if (!this.inspector) throw new Error(`${this.name} was not started with --inspect`);
    const socket = new WebSocket(this.inspector);
    const pending = new Map<number, (result: Record<string, unknown>) => void>();
    socket.addEventListener('message', (message: { data: unknown }) => {
      const reply = JSON.parse(String(message.data)) as { id?: number; result?: Record<string, unknown> };
      if (reply.id !== undefined) pending.get(reply.id)?.(reply.result ?? {});
    });
    await new Promise((resolve, reject) => {
      socket.addEventListener('open', resolve, { once: true });
      socket.addEventListener('error', reject, { once: true });
    });
    let next = 0;
    const call = (method: string) =>
      new Promise<Record<string, unknown>>((resolve) => {
        next += 1;
        pending.set(next, resolve);
        socket.send(JSON.stringify({ id: next, method }));
      });
    try {
      await call('HeapProfiler.collectGarbage');
      return Number((await call('Runtime.getHeapUsage')).usedSize);
    } finally {
      socket.close();
    }
  }

  /** SIGTERM (the services shut down gracefully), SIGKILL after 15 s. */
  async stop(): Promise<void> {
    if (this.exited) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => this.child.kill('SIGKILL'), 15_000);
      this.child.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
      this.child.kill('SIGTERM');
    });
  }
}
