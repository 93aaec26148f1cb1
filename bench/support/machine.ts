import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import { performance } from 'node:perf_hooks';
import type { BenchEnvironment } from './bench-environment';
import { withClient } from './bench-environment';

export interface MachineDescription {
  cpu: string;
  cores: number;
  memoryGiB: number;
  os: string;
  node: string;
  java: string;
  postgresql: string;
  kafka: string;
}

/** First line of `java -version` (which writes to stderr). */
function javaVersion(): string {
  try {
    return (
      execFileSync('sh', ['-c', 'java -version 2>&1 | head -n 1'], { encoding: 'utf8' }).trim() || 'unknown'
    );
  } catch {
    return 'not found';
  }
}

export async function describeMachine(environment: BenchEnvironment): Promise<MachineDescription> {
  const postgresql = await withClient(environment.adminUrl, async (client) => {
    const { rows } = await client.query<{ server_version: string }>('SHOW server_version');
    return `PostgreSQL ${rows[0].server_version}`;
  });
  return {
    cpu: os.cpus()[0]?.model ?? 'unknown',
    cores: os.cpus().length,
    memoryGiB: Math.round((os.totalmem() / 1024 ** 3) * 10) / 10,
    os: `${os.type()} ${os.release()}`,
    node: process.version,
    java: javaVersion(),
    postgresql,
    kafka: `Apache Kafka ${environment.kafkaVersion}`,
  };
}

/** CPU time (user + system) a process has used so far, in seconds, from /proc (clock ticks of 10 ms). */
export function processCpuSeconds(pid: number): number {
  // The command name, in parentheses, may hold spaces: the fields are counted after it.
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** CPU time the whole machine has spent busy (everything but idle and iowait), in seconds. */
function machineBusySeconds(): number {
  const [, ...ticks] = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/);
  const [user, nice, system, , , irq, softirq, steal] = ticks.map(Number);
  return (user + nice + system + irq + softirq + steal) / 100;
}

/**
 * Each named process's CPU share over a measured window, in cores (1.0: one core busy all the
 * time), and the machine's busy share of all its cores: on a small shared machine the figure
 * depends on who else ran (the load generator, PostgreSQL, the broker, other work).
 */
export class CpuWindow {
  private readonly startedAt = performance.now();
  private readonly machineAt = machineBusySeconds();
  private readonly processesAt: Map<string, { pid: number; cpu: number }>;

  constructor(processes: Readonly<Record<string, number>>) {
    this.processesAt = new Map(
      Object.entries(processes).map(([name, pid]) => [name, { pid, cpu: processCpuSeconds(pid) }]),
    );
  }

  /** "relay-1 0.62, relay-2 0.58 cores; machine 93 % busy". */
  describe(): string {
    const seconds = (performance.now() - this.startedAt) / 1000;
    const shares = [...this.processesAt].map(
      ([name, { pid, cpu }]) => `${name} ${((processCpuSeconds(pid) - cpu) / seconds).toFixed(2)}`,
    );
    const machine = (machineBusySeconds() - this.machineAt) / seconds / os.cpus().length;
    return `${shares.join(', ')} cores; machine ${Math.round(machine * 100)} % busy`;
  }
}
