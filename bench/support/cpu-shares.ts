import { readdirSync, readFileSync } from 'node:fs';
import * as os from 'node:os';
import { performance } from 'node:perf_hooks';
import { median } from './stats';

/** USER_HZ: the unit of /proc's CPU times (100 on every Linux the hub runs on). */
const CLOCK_TICKS_PER_SECOND = 100;

/** CPU seconds (user + system) a process has used so far; null once it is gone. */
export function processCpuSeconds(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces): state is the first, utime the 12th.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND;
  } catch {
    return null;
  }
}

/**
 * Every process of the machine's PostgreSQL server: the backends of every connection (a pool's
 * included, whenever it opened them) and the server's own writers (WAL, checkpoints, autovacuum),
 * which work for the same writes.
 */
export function postgresServerPids(): number[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'postgres';
      } catch {
        return false;
      }
    })
    .map(Number);
}

/** CPU seconds the whole machine has been busy (all but idle and iowait), every core together. */
function machineBusySeconds(): number {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0];
  const ticks = line.split(/\s+/).slice(1).map(Number);
  const [user, nice, system, , , irq, softirq, steal] = ticks;
  return (user + nice + system + irq + softirq + steal) / CLOCK_TICKS_PER_SECOND;
}

/** Processes measured together under one name (e.g. the PostgreSQL backends of one database). */
export type MeteredProcesses = Record<string, readonly number[]>;

/** Cores each named group used over the metered interval, and what the rest of the machine used. */
export interface CpuShares {
  seconds: number;
  cores: number;
  /** Cores used (1 = one core busy the whole interval), by name, then `rest of machine`. */
  used: Record<string, number>;
}

/**
 * Measures how the machine's CPU was shared over an interval between named processes (this
 * process by its own counters), and how much went to everything else on the machine (other
 * users' work included): on a 2-core machine a load generator, the database and the services
 * compete, so a throughput figure means little without it.
 */
export class CpuMeter {
  private readonly startedAt = performance.now();
  private readonly machineAtStart = machineBusySeconds();
  private readonly selfAtStart = process.cpuUsage();
  private readonly atStart: Map<number, number | null>;

  constructor(
    private readonly processes: MeteredProcesses,
    private readonly selfName = 'load generator',
  ) {
    this.atStart = this.sample();
  }

  stop(): CpuShares {
    const seconds = (performance.now() - this.startedAt) / 1000;
    const now = this.sample();
    const self = process.cpuUsage(this.selfAtStart);
    const used: Record<string, number> = {
      [this.selfName]: (self.user + self.system) / 1e6 / seconds,
    };
    for (const [name, pids] of Object.entries(this.processes)) {
      // A process that ended meanwhile (a database backend) counts for nothing rather than less than nothing.
      const spent = pids.reduce((sum, pid) => {
        const [before, after] = [this.atStart.get(pid), now.get(pid)];
        return before != null && after != null ? sum + (after - before) : sum;
      }, 0);
      used[name] = spent / seconds;
    }
    const measured = Object.values(used).reduce((sum, cores) => sum + cores, 0);
    used['rest of machine'] = Math.max(0, (machineBusySeconds() - this.machineAtStart) / seconds - measured);
    return { seconds, cores: os.cpus().length, used };
  }

  private sample(): Map<number, number | null> {
    const pids = Object.values(this.processes).flat();
    return new Map(pids.map((pid) => [pid, processCpuSeconds(pid)]));
  }
}

/** "gateway-1 0.71, load generator 0.52, …" (cores). */
export function formatCpuShares(shares: CpuShares): string {
  return Object.entries(shares.used)
    .map(([name, cores]) => `${name} ${cores.toFixed(2)}`)
    .join(', ');
}

/** All cores busy over the interval: the named processes and the rest of the machine. */
export function busyCores(shares: CpuShares): number {
  return Object.values(shares.used).reduce((sum, cores) => sum + cores, 0);
}

/** Median cores used by each process over the runs: "gateway-1 0.71, load generator 0.52, …". */
export function medianShares(shares: readonly CpuShares[]): string {
  const names = Object.keys(shares[0]?.used ?? {});
  return names
    .map((name) => `${name} ${median(shares.map((share) => share.used[name] ?? 0)).toFixed(2)}`)
    .join(', ');
}
