/**
 * Development Kafka broker for Cosmo Hub: the official Apache Kafka broker
 * (org.apache.kafka:kafka_2.13 from Maven Central), run as a single-node KRaft
 * broker+controller or, with HUB_KAFKA_NODES=3, as a cluster of three such nodes, secured
 * (node 1's ports; node k of a cluster listens on the same ports moved up by 10·(k-1)):
 *   INTERNAL   127.0.0.1:9092  SASL_PLAINTEXT, SCRAM-SHA-512: the hub's services, each its own principal
 *   CONTROLLER 127.0.0.1:9093  SASL_PLAINTEXT, PLAIN: the KRaft controller, only the bootstrap admin
 *   EXTERNAL   localhost:9094  SASL_SSL, SCRAM-SHA-512: stream consumers (RILO nodes)
 * with the StandardAuthorizer (nothing allowed without an ACL; the bootstrap admin is the only
 * super user), no topic auto-creation, and sessions re-authenticated every 30 s.
 *
 * No NestJS imports on purpose: this module is used by the launcher, by the
 * `kafka-cli` script and by the Jest global setup.
 *
 * Layout (all under the git-ignored `<repo>/.cache/kafka/`):
 *   <version>/lib/*.jar       broker classpath, copied by Maven (apps/launcher/kafka/pom.xml)
 *   <version>/.resolved       marker written once the copy succeeded
 *   data/                     log.dirs (KRaft metadata + topic data); survives stop/start
 *   server.properties         rewritten on every start (0600: holds the admin password)
 *   kafka-credentials.json    SCRAM passwords of the bootstrap admin and the services (0600, generated once)
 *   tls/                      development CA (ca.pem, given to stream consumers) and broker certificate
 *   log4j2.properties         broker logging configuration (stdout → broker.log)
 *   broker.log(.1)            broker stdout/stderr (previous run kept as .1)
 *   broker.pid                pid (= process group id) of the broker started here
 *   cluster/node-<k>/         a cluster node's data/, server.properties, broker.log and broker.pid
 *                             (credentials, TLS material and logging configuration are shared)
 */
import { createHash, randomBytes } from 'node:crypto';
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { Kafka, logLevel, Partitioners } from 'kafkajs';
import {
  brokersAnswer,
  grantServicePrincipals,
  KafkaCredentialsRefused,
  minInsyncReplicasFor,
  STREAM_ADMIN_PRINCIPAL,
  upsertScramUser,
  HUB_SERVICES,
  type HubService,
  kafkajsSecurity,
  SERVICE_PRINCIPALS,
} from '@hub/messaging';
import type { KafkaSaslCredentials, KafkaSecurity } from '@hub/platform';

/** Pinned Apache Kafka version (newest 4.x for which test/kafka-smoke.e2e-spec.ts passes with kafkajs 2.2.4). */
export const KAFKA_VERSION = '4.4.0';

export const KAFKA_HOST = '127.0.0.1';
/**
 * Ports of the project's broker: 9092 (clients) and 9093 (controller) unless HUB_KAFKA_PORT moves
 * them (the controller then listens on the next port). A second checkout, or the fault suite, runs
 * its own broker this way without touching the one other runs use.
 */
export const KAFKA_PORT = portFromEnv('HUB_KAFKA_PORT', 9092);
export const KAFKA_CONTROLLER_PORT = portFromEnv('HUB_KAFKA_CONTROLLER_PORT', KAFKA_PORT + 1);
/** The SASL_SSL listener for stream consumers: 9094, or HUB_KAFKA_PORT + 4 when the broker moved. */
export const KAFKA_EXTERNAL_PORT = portFromEnv(
  'KAFKA_EXTERNAL_PORT',
  KAFKA_PORT === 9092 ? 9094 : KAFKA_PORT + 4,
);
/**
 * How many combined broker+controller nodes the project's Kafka has: 1 (the default), or 3
 * (HUB_KAFKA_NODES=3), a cluster that survives the loss of one node: its topics are replicated
 * three times and a write needs two in-sync replicas.
 */
export const KAFKA_NODES = nodesFromEnv();
/** Ports of a cluster's node k are node 1's plus NODE_PORT_STRIDE·(k-1). */
const NODE_PORT_STRIDE = 10;
/** Host name stream consumers use (advertised, and named by the development certificate). */
export const KAFKA_EXTERNAL_HOST = process.env.KAFKA_EXTERNAL_HOST || 'localhost';
/**
 * How long an authenticated session lives before the client must re-authenticate: the bound on
 * how long a revoked (deleted) SCRAM user keeps an open connection.
 */
export const KAFKA_REAUTH_MS = 30_000;
/** The bootstrap admin, the broker's only super user (inter-broker, controller, ACLs, SCRAM users). */
export const KAFKA_ADMIN_USER = 'hub-admin';

function nodesFromEnv(): number {
  const raw = process.env.HUB_KAFKA_NODES;
  if (raw === undefined || raw === '' || raw === '1') return 1;
  if (raw === '3') return 3;
  throw new Error('[kafka] HUB_KAFKA_NODES must be 1 or 3 (a KRaft quorum of three voters)');
}

/** What a topic of the project's Kafka needs: as many replicas as nodes, two of them in sync on a cluster. */
export function kafkaReplication(nodes = KAFKA_NODES): {
  replicationFactor: number;
  minInsyncReplicas: number;
} {
  return { replicationFactor: nodes, minInsyncReplicas: minInsyncReplicasFor(nodes) };
}

/** One combined broker+controller node of the project's Kafka. */
export interface KafkaNodeAddress {
  id: number;
  /** INTERNAL listener (the hub's services). */
  port: number;
  controllerPort: number;
  /** EXTERNAL listener (stream consumers, SASL_SSL). */
  externalPort: number;
}

/** The nodes' ports: node 1 on KAFKA_PORT (and its controller and external ports), the others moved up. */
export function kafkaNodeAddresses(nodes = KAFKA_NODES): KafkaNodeAddress[] {
  return Array.from({ length: nodes }, (_, index) => {
    const shift = index * NODE_PORT_STRIDE;
    const address = {
      id: index + 1,
      port: KAFKA_PORT + shift,
      controllerPort: KAFKA_CONTROLLER_PORT + shift,
      externalPort: KAFKA_EXTERNAL_PORT + shift,
    };
    if (Math.max(address.port, address.controllerPort, address.externalPort) > 65535)
      throw new Error(`[kafka] node ${address.id}'s ports would pass 65535: lower HUB_KAFKA_PORT`);
    return address;
  });
}

function portFromEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 1 || port > 65535)
    throw new Error(`[kafka] ${name} must be a TCP port`);
  return port;
}

/** SCRAM passwords of the development broker's principals, generated once (kafka-credentials.json). */
export interface KafkaBrokerCredentials {
  admin: KafkaSaslCredentials;
  services: Record<HubService, KafkaSaslCredentials>;
  /** Issues and revokes stream credentials (the gateway's admin routes only). */
  streamAdmin: KafkaSaslCredentials;
}

export interface KafkaBrokerHandle {
  brokers: string[];
  startedHere: boolean;
  external: boolean;
  /**
   * The development broker's principals and TLS listener; null for KAFKA_BROKERS' cluster, whose
   * clients bring their own settings (KAFKA_SASL_*, KAFKA_SSL*).
   */
  local: LocalKafkaBroker | null;
}

export interface LocalKafkaBroker {
  credentials: KafkaBrokerCredentials;
  /** How the hub's own tools connect to `brokers` (the bootstrap admin over the internal listener). */
  adminSecurity: KafkaSecurity;
  /** The SASL_SSL listener for stream consumers. */
  externalBrokers: string[];
  /** PEM CA certificate that signed the external listener's certificate. */
  caFile: string;
  /** Java classpath of the broker's jars (kafka-clients for the SCRAM user tool). */
  adminClasspath: string;
  /** KAFKA_REPLICATION_FACTOR of the services: one replica per node. */
  replicationFactor: number;
}

export interface KafkaBrokerOptions {
  /** Progress lines (default: console.log). */
  log?: (line: string) => void;
  /** log.dirs of the broker (default: `<repo>/.cache/kafka/data`). */
  dataDir?: string;
  /**
   * False only for the benchmarks' baseline of what security costs (bench P16): PLAINTEXT
   * listeners, no SASL, no ACLs, no TLS listener. Never the default; nothing else may use it.
   */
  secure?: boolean;
}

export interface KafkaBrokerStatus {
  /** Brokers that were probed (KAFKA_BROKERS, or 127.0.0.1:9092). */
  brokers: string[];
  external: boolean;
  /** Pids of the nodes started by this tooling whose process is alive. */
  pids: number[];
  /** Whether the brokers answer Kafka metadata requests. */
  answering: boolean;
  logFile: string;
}

const READY_TIMEOUT_MS = 90_000;
const STOP_TIMEOUT_MS = 30_000;
const LOCK_TIMEOUT_MS = 10 * 60_000;
const LOG_TAIL_LINES = 40;
const LOCAL_BROKERS = kafkaNodeAddresses().map((node) => `${KAFKA_HOST}:${node.port}`);
const OFFSETS_TOPIC_PARTITIONS = 10;

interface Paths {
  repoRoot: string;
  stateDir: string;
  versionDir: string;
  libDir: string;
  marker: string;
  log4jFile: string;
  lockFile: string;
  pomFile: string;
  credentialsFile: string;
  tlsDir: string;
  /** The nodes of the configured layout (one, or a cluster's three). */
  nodes: NodePaths[];
  /** Pid files of the other layout on the same ports (a cluster's nodes, or the single node). */
  otherPidFiles: string[];
}

/** One node's own files. */
interface NodePaths extends KafkaNodeAddress {
  address: string;
  dataDir: string;
  configFile: string;
  logFile: string;
  pidFile: string;
  securedMarker: string;
}

/** Walks up from this file (TS sources or dist/apps/launcher/src) to the folder holding nest-cli.json. */
function findRepoRoot(): string {
  for (const start of [__dirname, process.cwd()]) {
    let dir = path.resolve(start);
    for (;;) {
      if (fs.existsSync(path.join(dir, 'nest-cli.json'))) return dir;
      const parent = path.dirname(dir);
      if (parent === dir) break;
      dir = parent;
    }
  }
  throw new Error(`[kafka] cannot find the repository root (no nest-cli.json above ${__dirname})`);
}

function resolvePaths(options?: KafkaBrokerOptions): Paths {
  const repoRoot = findRepoRoot();
  const cacheDir = path.join(repoRoot, '.cache', 'kafka');
  // The jars are shared; a broker on other ports keeps its data, logs and pid file apart.
  const stateDir = KAFKA_PORT === 9092 ? cacheDir : path.join(cacheDir, `port-${KAFKA_PORT}`);
  const versionDir = path.join(cacheDir, KAFKA_VERSION);
  // The single node keeps the layout it always had; a cluster's nodes live under cluster/node-<k>.
  const nodeDir = (nodes: number, id: number): string =>
    nodes === 1 ? stateDir : path.join(stateDir, 'cluster', `node-${id}`);
  const nodes = kafkaNodeAddresses().map((address): NodePaths => {
    const dir = nodeDir(KAFKA_NODES, address.id);
    const dataDir = options?.dataDir
      ? path.resolve(KAFKA_NODES === 1 ? options.dataDir : path.join(options.dataDir, `node-${address.id}`))
      : path.join(dir, 'data');
    return {
      ...address,
      address: `${KAFKA_HOST}:${address.port}`,
      dataDir,
      configFile: path.join(dir, 'server.properties'),
      logFile: path.join(dir, 'broker.log'),
      pidFile: path.join(dir, 'broker.pid'),
      // Written into log.dirs once the storage holds the SCRAM users of kafka-credentials.json.
      securedMarker: path.join(dataDir, 'hub-scram-users'),
    };
  });
  const otherNodes = KAFKA_NODES === 1 ? 3 : 1;
  return {
    repoRoot,
    stateDir,
    versionDir,
    libDir: path.join(versionDir, 'lib'),
    marker: path.join(versionDir, '.resolved'),
    log4jFile: path.join(stateDir, 'log4j2.properties'),
    // One start (and one Maven resolution) at a time, whatever the ports.
    lockFile: path.join(cacheDir, '.start.lock'),
    pomFile: path.join(repoRoot, 'apps', 'launcher', 'kafka', 'pom.xml'),
    credentialsFile: path.join(stateDir, 'kafka-credentials.json'),
    tlsDir: path.join(stateDir, 'tls'),
    nodes,
    otherPidFiles: Array.from({ length: otherNodes }, (_, index) =>
      path.join(nodeDir(otherNodes, index + 1), 'broker.pid'),
    ),
  };
}

const errorMessage = (err: unknown): string => (err instanceof Error ? err.message : String(err));
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/**
 * KAFKA_BROKERS as a list, or null when unset or when it names only this tooling's own broker
 * (127.0.0.1:9092 / localhost:9092): the Jest global setup exports that address to the test
 * workers, and a test that stops the broker must still be able to start it again.
 */
/** The bootstrap servers ensureKafkaBroker() will return, known before the broker is up. */
export function plannedKafkaBrokers(): string[] {
  return externalBrokers() ?? LOCAL_BROKERS;
}

function externalBrokers(): string[] | null {
  const brokers = (process.env.KAFKA_BROKERS ?? '')
    .split(',')
    .map((b) => b.trim())
    .filter(Boolean);
  if (!brokers.length) return null;
  const local = new Set(
    kafkaNodeAddresses().flatMap((node) => [`${KAFKA_HOST}:${node.port}`, `localhost:${node.port}`]),
  );
  return brokers.every((b) => local.has(b)) ? null : brokers;
}

// ---------------------------------------------------------------------------
// processes

/** True when the pid exists and is not a zombie. */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  try {
    // "pid (comm) S ..." — the state follows the last ')'.
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch {
    return true; // no procfs: trust kill(0)
  }
}

/** True when the pid is alive and (where procfs tells) runs kafka.Kafka — guards against pid reuse. */
function isKafkaProcess(pid: number): boolean {
  if (!isAlive(pid)) return false;
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').includes('kafka.Kafka');
  } catch {
    return true;
  }
}

function readPid(file: string): number | null {
  try {
    const pid = Number.parseInt(fs.readFileSync(file, 'utf8').trim(), 10);
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

/** Pid of the node recorded in this broker.pid when it is still running; removes a stale pid file. */
function runningBrokerPid(pidFile: string): number | null {
  const pid = readPid(pidFile);
  if (pid === null) return null;
  if (isKafkaProcess(pid)) return pid;
  fs.rmSync(pidFile, { force: true });
  return null;
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal); // the broker was spawned detached: pid is its process group id
  } catch {
    try {
      process.kill(pid, signal);
    } catch {
      /* already gone */
    }
  }
}

async function waitForExit(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!isAlive(pid)) return true;
    await sleep(200);
  }
  return !isAlive(pid);
}

interface CommandResult {
  code: number | null;
  output: string;
}

function runCommand(cmd: string, args: string[], cwd: string): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    let output = '';
    const child = spawn(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('error', (err: NodeJS.ErrnoException) =>
      reject(err.code === 'ENOENT' ? new Error(`[kafka] '${cmd}' was not found on PATH`) : err),
    );
    child.once('close', (code) => resolve({ code, output }));
  });
}

function tail(text: string, lines = LOG_TAIL_LINES): string {
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}

function readEnd(file: string, maxBytes: number): string | null {
  try {
    const size = fs.statSync(file).size;
    const fd = fs.openSync(file, 'r');
    try {
      const length = Math.min(size, maxBytes);
      const buf = Buffer.alloc(length);
      fs.readSync(fd, buf, 0, length, size - length);
      return buf.toString('utf8');
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    return null;
  }
}

/** What goes into a start failure: the first ERROR/FATAL lines of this run (with the line after each) and the tail. */
function brokerLogReport(file: string): string {
  const text = readEnd(file, 4 * 1024 * 1024);
  if (text === null) return `(no broker log at ${file})`;
  const lines = text.split('\n');
  const errors: string[] = [];
  for (let i = 0; i < lines.length && errors.length < 10; i++) {
    if (/^\[[^\]]+\] (ERROR|FATAL) /.test(lines[i]))
      errors.push(lines[i], ...(lines[i + 1] ? [lines[i + 1]] : []));
  }
  return (
    (errors.length ? `--- first errors in ${file} ---\n${errors.join('\n')}\n` : '') +
    `--- tail of ${file} ---\n${tail(text)}`
  );
}

function javaCommand(): string {
  return process.env.JAVA_HOME ? path.join(process.env.JAVA_HOME, 'bin', 'java') : 'java';
}

// ---------------------------------------------------------------------------
// probing

/** Java's String.hashCode, which Kafka uses to map a group id to a __consumer_offsets partition. */
function javaHashCode(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (Math.imul(31, h) + s.charCodeAt(i)) | 0;
  return h;
}

/** One group id per __consumer_offsets partition, so that probing them covers every group coordinator. */
const WARMUP_GROUPS: string[] = (() => {
  const byPartition = new Map<number, string>();
  for (let i = 0; byPartition.size < OFFSETS_TOPIC_PARTITIONS; i++) {
    const id = `cosmo-hub-warmup-${i}`;
    const h = javaHashCode(id);
    const partition = (h === -2147483648 ? 0 : Math.abs(h)) % OFFSETS_TOPIC_PARTITIONS;
    if (!byPartition.has(partition)) byPartition.set(partition, id);
  }
  return [...byPartition.values()];
})();

/**
 * A broker that answers metadata may still be creating or loading __consumer_offsets and
 * __transaction_state (first start, or right after a restart): clients then get
 * COORDINATOR_NOT_AVAILABLE / COORDINATOR_LOAD_IN_PROGRESS and kafkajs logs ERROR lines while it retries.
 * Wait until every group coordinator answers DescribeGroups and an idempotent producer gets a producer id.
 */
async function warmUpCoordinators(deadline: number, security: KafkaSecurity): Promise<void> {
  const kafka = new Kafka({
    clientId: 'cosmo-hub-kafka-warmup',
    brokers: LOCAL_BROKERS,
    ...kafkajsSecurity(security),
    logLevel: logLevel.NOTHING,
    connectionTimeout: 2000,
    requestTimeout: 5000,
    retry: { retries: 0 },
  });
  const admin = kafka.admin();
  const producer = kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    createPartitioner: Partitioners.DefaultPartitioner,
    retry: { retries: 2, initialRetryTime: 100, maxRetryTime: 1000 }, // kafkajs: idempotence requires retries > 0
  });
  const attempt = async (what: string, fn: () => Promise<unknown>) => {
    for (;;) {
      try {
        await fn();
        return;
      } catch (err) {
        if (Date.now() > deadline) {
          throw new Error(`[kafka] ${what} not ready in time: ${errorMessage(err)}`, { cause: err });
        }
        await sleep(300);
      }
    }
  };
  try {
    await attempt('admin connection', () => admin.connect());
    await attempt('group coordinator', () => admin.describeGroups(WARMUP_GROUPS));
    await attempt('producer id manager', () => producer.connect());
  } finally {
    await producer.disconnect().catch(() => undefined);
    await admin.disconnect().catch(() => undefined);
  }
}

/** A node this process is waiting for: its pid, and how its process ended if it did. */
interface StartingNode {
  node: NodePaths;
  pid: number;
  exited: () => string | null;
}

/** Every node answers metadata requests on its own listener (refused credentials count as "not yet"). */
async function allNodesAnswer(nodes: readonly NodePaths[], security: KafkaSecurity): Promise<boolean> {
  const answers = await Promise.all(
    nodes.map((node) => brokersAnswer([node.address], security).catch(() => false)),
  );
  return answers.every(Boolean);
}

/** SIGKILLs the nodes this process started and forgets their pids: a start that failed leaves nothing behind. */
async function killStarting(starting: readonly StartingNode[]): Promise<void> {
  for (const { pid } of starting) signalGroup(pid, 'SIGKILL');
  await Promise.all(starting.map(({ pid }) => waitForExit(pid, 5000)));
  for (const { node } of starting) fs.rmSync(node.pidFile, { force: true });
}

const logReports = (starting: readonly StartingNode[]): string =>
  starting.map(({ node }) => brokerLogReport(node.logFile)).join('\n');

async function waitUntilReady(
  paths: Paths,
  starting: readonly StartingNode[],
  security: KafkaSecurity,
  timeoutMs = READY_TIMEOUT_MS,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const pids = starting.map(({ pid }) => pid).join(', ');
  for (;;) {
    for (const { node, pid, exited } of starting) {
      const exit = exited() ?? (isAlive(pid) ? null : 'exited');
      if (exit !== null) {
        await killStarting(starting);
        throw new Error(
          `[kafka] node ${node.id} (pid ${pid}) ${exit} before answering on ${node.address}.\n` +
            brokerLogReport(node.logFile),
        );
      }
    }
    // Refused credentials count as "not yet" until the deadline: the report then shows the broker log.
    if (await allNodesAnswer(paths.nodes, security)) {
      try {
        await warmUpCoordinators(deadline, security);
        return;
      } catch (err) {
        await killStarting(starting);
        throw new Error(
          `${errorMessage(err)} (the broker, pid ${pids}, was killed)\n` + logReports(starting),
          { cause: err },
        );
      }
    }
    if (Date.now() > deadline) {
      await killStarting(starting);
      throw new Error(
        `[kafka] the broker (pid ${pids}) did not answer on ${LOCAL_BROKERS.join(',')} within ${seconds(timeoutMs)}; it was killed.\n` +
          logReports(starting),
      );
    }
    await sleep(300);
  }
}

// ---------------------------------------------------------------------------
// start lock (two processes calling ensureKafkaBroker at once start one broker)

async function withStartLock<T>(paths: Paths, fn: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + LOCK_TIMEOUT_MS;
  for (;;) {
    try {
      fs.writeFileSync(paths.lockFile, String(process.pid), { flag: 'wx' });
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const holder = readPid(paths.lockFile);
      let ageMs: number;
      try {
        ageMs = Date.now() - fs.statSync(paths.lockFile).mtimeMs;
      } catch {
        continue; // released meanwhile
      }
      if ((holder !== null && !isAlive(holder)) || (holder === null && ageMs > 5000)) {
        fs.rmSync(paths.lockFile, { force: true });
        continue;
      }
      if (Date.now() > deadline) {
        throw new Error(`[kafka] timed out waiting for ${paths.lockFile} (held by pid ${holder})`, {
          cause: err,
        });
      }
      await sleep(500);
    }
  }
  try {
    return await fn();
  } finally {
    fs.rmSync(paths.lockFile, { force: true });
  }
}

// ---------------------------------------------------------------------------
// security: credentials and TLS material

const password = (): string => randomBytes(24).toString('base64url');
const scram = (username: string, secret: string): KafkaSaslCredentials => ({
  mechanism: 'scram-sha-512',
  username,
  password: secret,
});

function readCredentials(paths: Paths): KafkaBrokerCredentials | null {
  try {
    const stored = JSON.parse(fs.readFileSync(paths.credentialsFile, 'utf8')) as {
      admin: { username: string; password: string };
      services: Record<string, { username: string; password: string }>;
      streamAdmin?: { username: string; password: string };
    };
    if (HUB_SERVICES.some((service) => !stored.services?.[service]?.password)) return null;
    if (!stored.streamAdmin?.password) {
      // A file from before stream credentials: add the stream admin, keep every other password.
      stored.streamAdmin = { username: STREAM_ADMIN_PRINCIPAL, password: password() };
      const next = `${paths.credentialsFile}.${process.pid}`;
      writePrivate(next, `${JSON.stringify(stored, null, 2)}\n`);
      fs.renameSync(next, paths.credentialsFile);
    }
    return {
      streamAdmin: scram(stored.streamAdmin.username, stored.streamAdmin.password),
      admin: scram(stored.admin.username, stored.admin.password),
      services: Object.fromEntries(
        HUB_SERVICES.map((service) => [
          service,
          scram(stored.services[service].username, stored.services[service].password),
        ]),
      ) as Record<HubService, KafkaSaslCredentials>,
    };
  } catch {
    return null;
  }
}

/** The broker's principals, generated on first use and kept (0600) beside its data. */
function ensureCredentials(paths: Paths): KafkaBrokerCredentials {
  const existing = readCredentials(paths);
  if (existing) return existing;
  const credentials: KafkaBrokerCredentials = {
    admin: scram(KAFKA_ADMIN_USER, password()),
    streamAdmin: scram(STREAM_ADMIN_PRINCIPAL, password()),
    services: Object.fromEntries(
      HUB_SERVICES.map((service) => [service, scram(SERVICE_PRINCIPALS[service], password())]),
    ) as Record<HubService, KafkaSaslCredentials>,
  };
  const stored = {
    admin: { username: credentials.admin.username, password: credentials.admin.password },
    streamAdmin: { username: credentials.streamAdmin.username, password: credentials.streamAdmin.password },
    services: Object.fromEntries(
      HUB_SERVICES.map((service) => [
        service,
        {
          username: credentials.services[service].username,
          password: credentials.services[service].password,
        },
      ]),
    ),
  };
  try {
    // 'wx': when two processes start at once, the first file wins and both use it.
    fs.writeFileSync(paths.credentialsFile, `${JSON.stringify(stored, null, 2)}\n`, {
      mode: 0o600,
      flag: 'wx',
    });
  } catch (error) {
    const written = (error as NodeJS.ErrnoException).code === 'EEXIST' ? readCredentials(paths) : null;
    if (!written) throw error;
    return written;
  }
  return credentials;
}

/** Creates the state folder readable by its owner only: it holds passwords and a CA key. */
function ensureStateDir(paths: Paths): void {
  fs.mkdirSync(paths.stateDir, { recursive: true, mode: 0o700 });
  fs.chmodSync(paths.stateDir, 0o700);
  for (const node of paths.nodes)
    fs.mkdirSync(path.dirname(node.configFile), { recursive: true, mode: 0o700 });
}

interface TlsMaterial {
  /** Private key then certificate chain, PEM (the broker's `ssl.keystore.type=PEM`). */
  keystoreFile: string;
  caFile: string;
}

function writePrivate(file: string, content: string): void {
  fs.writeFileSync(file, content, { mode: 0o600 });
  fs.chmodSync(file, 0o600);
}

async function openssl(args: string[], cwd: string): Promise<void> {
  const result = await runCommand('openssl', args, cwd);
  if (result.code !== 0) throw new Error(`[kafka] openssl ${args[0]} failed:\n${tail(result.output)}`);
}

/**
 * The external listener's certificate: KAFKA_TLS_CERT_FILE/KAFKA_TLS_KEY_FILE/KAFKA_TLS_CA_FILE
 * (PEM) when given, else a development CA and a broker certificate for localhost, 127.0.0.1 and
 * KAFKA_EXTERNAL_HOST, made once with openssl under tls/.
 */
async function ensureTls(paths: Paths, log: (line: string) => void): Promise<TlsMaterial> {
  fs.mkdirSync(paths.tlsDir, { recursive: true, mode: 0o700 });
  const keystoreFile = path.join(paths.tlsDir, 'broker-keystore.pem');
  const given = [
    process.env.KAFKA_TLS_CERT_FILE,
    process.env.KAFKA_TLS_KEY_FILE,
    process.env.KAFKA_TLS_CA_FILE,
  ];
  if (given.some(Boolean)) {
    const [certFile, keyFile, caFile] = given;
    if (!certFile || !keyFile || !caFile)
      throw new Error('[kafka] KAFKA_TLS_CERT_FILE, KAFKA_TLS_KEY_FILE and KAFKA_TLS_CA_FILE go together');
    writePrivate(
      keystoreFile,
      `${fs.readFileSync(keyFile, 'utf8').trim()}\n${fs.readFileSync(certFile, 'utf8').trim()}\n`,
    );
    return { keystoreFile, caFile: path.resolve(caFile) };
  }
  const caFile = path.join(paths.tlsDir, 'ca.pem');
  const caKey = path.join(paths.tlsDir, 'ca.key');
  const brokerKey = path.join(paths.tlsDir, 'broker.key');
  const brokerCert = path.join(paths.tlsDir, 'broker.pem');
  const names = [...new Set(['localhost', '127.0.0.1', KAFKA_EXTERNAL_HOST])];
  const sanFile = path.join(paths.tlsDir, 'broker.san');
  const san = `subjectAltName=${names.map((name) => (/^[\d.]+$|:/.test(name) ? `IP:${name}` : `DNS:${name}`)).join(',')}\n`;
  const current =
    fs.existsSync(caFile) &&
    fs.existsSync(keystoreFile) &&
    fs.existsSync(sanFile) &&
    fs.readFileSync(sanFile, 'utf8') === san;
  if (current) return { keystoreFile, caFile };
  log('[kafka] creating a development CA and broker certificate (openssl)…');
  const extFile = path.join(paths.tlsDir, 'broker.ext');
  fs.writeFileSync(extFile, `${san}extendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n`);
  const days = '825';
  await openssl(
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      caKey,
      '-out',
      caFile,
      '-days',
      days,
      '-subj',
      '/O=Cosmo Hub/CN=Cosmo Hub development Kafka CA',
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,keyCertSign,cRLSign',
    ],
    paths.tlsDir,
  );
  const csr = path.join(paths.tlsDir, 'broker.csr');
  await openssl(
    [
      'req',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      brokerKey,
      '-out',
      csr,
      '-subj',
      `/O=Cosmo Hub/CN=${KAFKA_EXTERNAL_HOST}`,
    ],
    paths.tlsDir,
  );
  await openssl(
    [
      'x509',
      '-req',
      '-in',
      csr,
      '-CA',
      caFile,
      '-CAkey',
      caKey,
      '-CAcreateserial',
      '-out',
      brokerCert,
      '-days',
      days,
      '-sha256',
      '-extfile',
      extFile,
    ],
    paths.tlsDir,
  );
  fs.chmodSync(caKey, 0o600);
  fs.chmodSync(brokerKey, 0o600);
  fs.chmodSync(caFile, 0o644);
  writePrivate(
    keystoreFile,
    `${fs.readFileSync(brokerKey, 'utf8').trim()}\n${fs.readFileSync(brokerCert, 'utf8').trim()}\n`,
  );
  fs.writeFileSync(sanFile, san);
  fs.rmSync(csr, { force: true });
  return { keystoreFile, caFile };
}

/** How this tooling's own clients (probes, ACLs, tests' observers) connect: the bootstrap admin. */
function adminSecurity(credentials: KafkaBrokerCredentials): KafkaSecurity {
  return { sasl: credentials.admin };
}

function localBroker(paths: Paths, credentials: KafkaBrokerCredentials, tls: TlsMaterial): LocalKafkaBroker {
  return {
    credentials,
    adminSecurity: adminSecurity(credentials),
    externalBrokers: paths.nodes.map((node) => `${KAFKA_EXTERNAL_HOST}:${node.externalPort}`),
    caFile: tls.caFile,
    adminClasspath: `${paths.libDir}${path.sep}*`,
    replicationFactor: kafkaReplication(paths.nodes.length).replicationFactor,
  };
}

// ---------------------------------------------------------------------------
// installation

async function resolveJars(paths: Paths, log: (line: string) => void): Promise<void> {
  const kafkaJar = `kafka_2.13-${KAFKA_VERSION}.jar`;
  if (fs.existsSync(paths.marker) && fs.existsSync(path.join(paths.libDir, kafkaJar))) return;
  log(`[kafka] resolving org.apache.kafka:kafka_2.13:${KAFKA_VERSION} with Maven…`);
  const started = Date.now();
  fs.rmSync(paths.marker, { force: true });
  fs.rmSync(paths.libDir, { recursive: true, force: true }); // a half-done copy is redone
  fs.mkdirSync(paths.versionDir, { recursive: true });
  const heartbeat = setInterval(
    () => log(`[kafka] still resolving… (${seconds(Date.now() - started)})`),
    15_000,
  );
  let result: CommandResult;
  try {
    result = await runCommand(
      process.env.MVN ?? 'mvn',
      [
        '-B',
        '-q',
        '-ntp',
        '-f',
        paths.pomFile,
        `-Dkafka.version=${KAFKA_VERSION}`,
        'dependency:copy-dependencies',
        `-DoutputDirectory=${paths.libDir}`,
        '-DincludeScope=runtime',
      ],
      paths.repoRoot,
    );
  } finally {
    clearInterval(heartbeat);
  }
  const jars = fs.existsSync(paths.libDir)
    ? fs.readdirSync(paths.libDir).filter((f) => f.endsWith('.jar'))
    : [];
  if (result.code !== 0 || !jars.includes(kafkaJar)) {
    throw new Error(
      `[kafka] Maven could not resolve org.apache.kafka:kafka_2.13:${KAFKA_VERSION} (exit ${result.code}).\n` +
        `--- tail of Maven output ---\n${tail(result.output) || '(no output)'}`,
    );
  }
  fs.writeFileSync(
    paths.marker,
    JSON.stringify({ version: KAFKA_VERSION, jars: jars.length, resolvedAt: new Date().toISOString() }) +
      '\n',
  );
  log(`[kafka] resolved ${jars.length} jars in ${seconds(Date.now() - started)}`);
}

const jaas = (module: string, options: Record<string, string>): string =>
  `${module} required ${Object.entries(options)
    .map(([key, value]) => `${key}="${value}"`)
    .join(' ')};`;

/** The listeners and their security: SASL + ACLs + a TLS listener, or (bench baseline only) none of it. */
function securityProperties(
  node: KafkaNodeAddress,
  credentials: KafkaBrokerCredentials,
  tls: TlsMaterial | null,
): string[] {
  const internal = `INTERNAL://${KAFKA_HOST}:${node.port}`;
  const controller = `CONTROLLER://${KAFKA_HOST}:${node.controllerPort}`;
  if (!tls)
    return [
      '# UNSECURED (bench P16 baseline only): PLAINTEXT, no authentication, no ACLs.',
      `listeners=${internal},${controller}`,
      `advertised.listeners=${internal},${controller}`,
      'inter.broker.listener.name=INTERNAL',
      'controller.listener.names=CONTROLLER',
      'listener.security.protocol.map=CONTROLLER:PLAINTEXT,INTERNAL:PLAINTEXT',
    ];
  const admin = credentials.admin;
  const externalBind = ['localhost', '127.0.0.1'].includes(KAFKA_EXTERNAL_HOST) ? KAFKA_HOST : '0.0.0.0';
  return [
    // INTERNAL: the hub's services, on loopback (SASL without TLS: the traffic never leaves the
    // machine). EXTERNAL: stream consumers, SASL over TLS. No listener accepts an unauthenticated client.
    `listeners=${internal},${controller},EXTERNAL://${externalBind}:${node.externalPort}`,
    `advertised.listeners=${internal},${controller},EXTERNAL://${KAFKA_EXTERNAL_HOST}:${node.externalPort}`,
    'inter.broker.listener.name=INTERNAL',
    'controller.listener.names=CONTROLLER',
    'listener.security.protocol.map=CONTROLLER:SASL_PLAINTEXT,INTERNAL:SASL_PLAINTEXT,EXTERNAL:SASL_SSL',
    'sasl.enabled.mechanisms=SCRAM-SHA-512',
    'sasl.mechanism.inter.broker.protocol=SCRAM-SHA-512',
    `listener.name.internal.scram-sha-512.sasl.jaas.config=${jaas('org.apache.kafka.common.security.scram.ScramLoginModule', { username: admin.username, password: admin.password })}`,
    `listener.name.external.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;`,
    // KRaft controllers cannot use SCRAM (its credentials live in the metadata they serve): PLAIN,
    // with the bootstrap admin as the only user, on loopback.
    'sasl.mechanism.controller.protocol=PLAIN',
    'listener.name.controller.sasl.enabled.mechanisms=PLAIN',
    `listener.name.controller.plain.sasl.jaas.config=${jaas('org.apache.kafka.common.security.plain.PlainLoginModule', { username: admin.username, password: admin.password, [`user_${admin.username}`]: admin.password })}`,
    'listener.name.external.ssl.keystore.type=PEM',
    `listener.name.external.ssl.keystore.location=${tls.keystoreFile}`,
    'authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer',
    'allow.everyone.if.no.acl.found=false',
    `super.users=User:${admin.username}`,
    // A deleted (revoked) SCRAM user's open connections end at their next re-authentication.
    `connections.max.reauth.ms=${KAFKA_REAUTH_MS}`,
  ];
}

function writeConfig(
  paths: Paths,
  node: NodePaths,
  credentials: KafkaBrokerCredentials,
  tls: TlsMaterial | null,
): void {
  const { replicationFactor, minInsyncReplicas } = kafkaReplication(paths.nodes.length);
  const quorum =
    paths.nodes.length === 1
      ? [
          '# Single-node KRaft: this node is both broker and (dynamic-quorum, --standalone) controller.',
          `controller.quorum.bootstrap.servers=${KAFKA_HOST}:${node.controllerPort}`,
        ]
      : [
          `# Node ${node.id} of a ${paths.nodes.length}-node KRaft cluster: each node is a broker and one of the static quorum's voters.`,
          `controller.quorum.voters=${paths.nodes.map((voter) => `${voter.id}@${KAFKA_HOST}:${voter.controllerPort}`).join(',')}`,
        ];
  const properties = [
    '# Written by apps/launcher/src/kafka-broker.ts on every start; edits are overwritten.',
    ...quorum,
    'process.roles=broker,controller',
    `node.id=${node.id}`,
    ...securityProperties(node, credentials, tls),
    `log.dirs=${node.dataDir}`,
    'num.partitions=1',
    // Every internal topic as replicated as the hub's own (KAFKA_REPLICATION_FACTOR): on a cluster a
    // write needs two in-sync replicas and only an in-sync replica may become leader, so an
    // acknowledged write survives the loss of any one node.
    `default.replication.factor=${replicationFactor}`,
    `min.insync.replicas=${minInsyncReplicas}`,
    'unclean.leader.election.enable=false',
    `offsets.topic.replication.factor=${replicationFactor}`,
    `offsets.topic.num.partitions=${OFFSETS_TOPIC_PARTITIONS}`,
    `transaction.state.log.replication.factor=${replicationFactor}`,
    `transaction.state.log.min.isr=${minInsyncReplicas}`,
    `share.coordinator.state.topic.replication.factor=${replicationFactor}`,
    `share.coordinator.state.topic.min.isr=${minInsyncReplicas}`,
    'group.initial.rebalance.delay.ms=0',
    // Three JVMs share two cores with the hub: fewer request threads than Kafka's defaults (3 and 8).
    ...(paths.nodes.length > 1 ? ['num.network.threads=2', 'num.io.threads=4'] : []),
    // Every topic is created explicitly by the service that owns it (relay, router, notifier).
    'auto.create.topics.enable=false',
    'log.retention.hours=168',
    '',
  ].join('\n');
  writePrivate(node.configFile, properties);

  const log4j = [
    '# Written by apps/launcher/src/kafka-broker.ts: broker logs go to stdout, i.e. broker.log.',
    'status = warn',
    'appender.stdout.type = Console',
    'appender.stdout.name = STDOUT',
    'appender.stdout.layout.type = PatternLayout',
    'appender.stdout.layout.pattern = [%d] %p %m (%c)%n',
    'rootLogger.level = INFO',
    'rootLogger.appenderRef.stdout.ref = STDOUT',
    'logger.state.name = state.change.logger',
    'logger.state.level = WARN',
    'logger.request.name = kafka.request.logger',
    'logger.request.level = WARN',
    'logger.authorizer.name = kafka.authorizer.logger',
    'logger.authorizer.level = WARN',
    '',
  ].join('\n');
  fs.writeFileSync(paths.log4jFile, log4j);
}

function jvmArgs(paths: Paths, heap: string[]): string[] {
  return [
    ...heap,
    '-XX:+UseG1GC',
    '-XX:MaxGCPauseMillis=20',
    '-Djava.awt.headless=true',
    `-Dlog4j2.configurationFile=${paths.log4jFile}`,
    '-cp',
    `${paths.libDir}${path.sep}*`,
  ];
}

/**
 * What `kafka-storage random-uuid` prints (Kafka's Uuid.randomUuid): 16 random bytes in URL-safe
 * base64 without padding, never starting with '-'. Made here to spare a JVM start on a cold start.
 */
export function randomClusterId(): string {
  for (;;) {
    const id = randomBytes(16).toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}

/** Names the users and passwords a storage was formatted with (a digest: no secret in the marker). */
function credentialsDigest(credentials: KafkaBrokerCredentials): string {
  const users = [credentials.admin, ...HUB_SERVICES.map((service) => credentials.services[service])];
  return createHash('sha256')
    .update(JSON.stringify(users.map((user) => [user.username, user.password])))
    .digest('hex');
}

/** Whether a node's storage is formatted (and, secured, with the SCRAM users of kafka-credentials.json). */
function storageIsCurrent(node: NodePaths, credentials: KafkaBrokerCredentials, secure: boolean): boolean {
  if (!fs.existsSync(path.join(node.dataDir, 'meta.properties'))) return false;
  if (!secure) return true;
  const marker = fs.existsSync(node.securedMarker)
    ? fs.readFileSync(node.securedMarker, 'utf8').trim()
    : null;
  return marker === credentialsDigest(credentials);
}

/** The cluster id a node's storage was formatted with. */
function formattedClusterId(node: NodePaths): string | null {
  try {
    const meta = fs.readFileSync(path.join(node.dataDir, 'meta.properties'), 'utf8');
    return /^cluster\.id=(.+)$/m.exec(meta)?.[1].trim() ?? null;
  } catch {
    return null;
  }
}

/**
 * Formats the log.dirs of the nodes whose storage is missing or stale, with the SCRAM users of
 * kafka-credentials.json. Storage formatted without them (before the broker was secured, or when
 * the credentials file was lost) holds only development data and cannot be opened by the hub's
 * principals: it is formatted again, with a log line. A node formatted anew joins the cluster id
 * of the nodes that keep their data.
 */
async function formatStorages(
  paths: Paths,
  nodes: readonly NodePaths[],
  credentials: KafkaBrokerCredentials,
  log: (line: string) => void,
  secure = true,
): Promise<void> {
  const stale = nodes.filter((node) => !storageIsCurrent(node, credentials, secure));
  if (stale.length === 0) return;
  const kept = paths.nodes.filter((node) => !stale.includes(node));
  const clusterId = kept.map(formattedClusterId).find((id) => id !== null) ?? randomClusterId();
  await Promise.all(stale.map((node) => formatStorage(paths, node, credentials, log, secure, clusterId)));
}

async function formatStorage(
  paths: Paths,
  node: NodePaths,
  credentials: KafkaBrokerCredentials,
  log: (line: string) => void,
  secure: boolean,
  clusterId: string,
): Promise<void> {
  if (fs.existsSync(path.join(node.dataDir, 'meta.properties'))) {
    log(
      `[kafka] the development broker's data in ${path.relative(paths.repoRoot, node.dataDir)} was formatted ` +
        'without the SCRAM users of kafka-credentials.json (an unsecured broker from before): formatting it again, its topics are dropped',
    );
    fs.rmSync(node.dataDir, { recursive: true, force: true });
  }
  const which = paths.nodes.length === 1 ? 'storage' : `node ${node.id}'s storage`;
  log(
    secure
      ? `[kafka] formatting ${which} with the SCRAM users of the admin and the services…`
      : `[kafka] formatting ${which} (unsecured: no users)…`,
  );
  fs.mkdirSync(node.dataDir, { recursive: true });
  const users = secure
    ? [
        credentials.admin,
        credentials.streamAdmin,
        ...HUB_SERVICES.map((service) => credentials.services[service]),
      ]
    : [];
  const args = [
    ...jvmArgs(paths, ['-Xmx256m']),
    'kafka.tools.StorageTool',
    'format',
    // One node: a dynamic quorum of itself. A cluster: the static voters of server.properties.
    ...(paths.nodes.length === 1 ? ['--standalone'] : []),
    '-t',
    clusterId,
    '-c',
    node.configFile,
    // Every node's bootstrap metadata holds the users: whichever controller is elected first writes them.
    ...users.flatMap((user) => [
      '--add-scram',
      `SCRAM-SHA-512=[name=${user.username},password=${user.password}]`,
    ]),
  ];
  // The passwords go through a 0600 argument file (`java @file`), never the command line.
  const argFile = path.join(paths.stateDir, `format-${node.id}.args`);
  writePrivate(argFile, args.map((arg) => `"${arg.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`).join('\n'));
  let format: CommandResult;
  try {
    format = await runCommand(javaCommand(), [`@${argFile}`], paths.stateDir);
  } finally {
    fs.rmSync(argFile, { force: true });
  }
  if (format.code !== 0 || !fs.existsSync(path.join(node.dataDir, 'meta.properties'))) {
    throw new Error(`[kafka] StorageTool format failed (exit ${format.code}):\n${tail(format.output)}`);
  }
  if (secure) fs.writeFileSync(node.securedMarker, `${credentialsDigest(credentials)}\n`);
}

/**
 * Heap of a node: a single broker gets up to 768 MiB; a cluster's three nodes 512 MiB each, which
 * with their metaspace and page cache fits a 2-core, 24 GiB machine beside the hub and PostgreSQL.
 */
const nodeHeap = (nodes: number): string[] => ['-Xms256m', nodes === 1 ? '-Xmx768m' : '-Xmx512m'];

function spawnBroker(paths: Paths, node: NodePaths): StartingNode {
  if (fs.existsSync(node.logFile)) fs.renameSync(node.logFile, `${node.logFile}.1`);
  const out = fs.openSync(node.logFile, 'a');
  let exit: string | null = null;
  let child: ChildProcess;
  try {
    fs.writeSync(
      out,
      `==== ${new Date().toISOString()} starting Apache Kafka ${KAFKA_VERSION} (KRaft, node ${node.id}) ====\n`,
    );
    child = spawn(
      javaCommand(),
      [...jvmArgs(paths, nodeHeap(paths.nodes.length)), 'kafka.Kafka', node.configFile],
      { cwd: path.dirname(node.configFile), detached: true, stdio: ['ignore', out, out] },
    );
  } finally {
    fs.closeSync(out);
  }
  child.once('error', (err) => (exit = `could not be started (${err.message})`));
  child.once('exit', (code, signal) => (exit = `exited (${signal ? `signal ${signal}` : `code ${code}`})`));
  child.unref();
  if (child.pid === undefined)
    throw new Error(`[kafka] node ${node.id} could not be started (is Java 17+ installed?)`);
  fs.writeFileSync(node.pidFile, `${child.pid}\n`);
  return { node, pid: child.pid, exited: () => exit };
}

// ---------------------------------------------------------------------------
// public API

/**
 * Makes sure a Kafka broker is reachable and returns its bootstrap servers:
 * KAFKA_BROKERS when set (external; except when it names only this tooling's own nodes, which
 * are handled as the local broker), else the nodes already answering on 127.0.0.1:9092 (and, for
 * a cluster, the ports above), else the pinned Apache Kafka broker, resolved with Maven and its
 * node(s) started detached. Idempotent: on a cluster it starts again the nodes that are not
 * running (a node that was stopped or killed) and leaves the others be.
 */
export async function ensureKafkaBroker(options?: KafkaBrokerOptions): Promise<KafkaBrokerHandle> {
  const log = options?.log ?? ((line: string) => console.log(line));
  const external = externalBrokers();
  if (external) {
    log(`[kafka] using external brokers from KAFKA_BROKERS: ${external.join(',')}`);
    return { brokers: external, startedHere: false, external: true, local: null };
  }
  const paths = resolvePaths(options);
  ensureStateDir(paths);
  const secure = options?.secure ?? true;
  if (!secure) return ensureUnsecuredBroker(paths, options, log);
  const where = LOCAL_BROKERS.join(',');

  const reuse = async (): Promise<KafkaBrokerHandle | null> => {
    if (await stopOtherLayout(paths, log)) return null;
    let pids = runningPids(paths);
    if (pids.some((pid) => pid !== null) && !paths.nodes.every(configIsSecured)) {
      log(`[kafka] the broker running here was started without security: stopping it`);
      await stopKafkaBroker({ ...options, log });
      pids = runningPids(paths);
    }
    const credentials = readCredentials(paths);
    if (!credentials && pids.some((pid) => pid !== null)) {
      log(`[kafka] the broker running here has lost its kafka-credentials.json: stopping it`);
      await stopKafkaBroker({ ...options, log });
      pids = runningPids(paths);
    }
    if (!credentials) {
      if (pids.every((pid) => pid === null) && (await tcpAnswers(LOCAL_BROKERS[0])))
        throw new Error(
          `[kafka] something else listens on ${LOCAL_BROKERS[0]} (not a broker started by this checkout); ` +
            'stop it, or move this broker with HUB_KAFKA_PORT',
        );
      return null;
    }
    const local = localBroker(paths, credentials, { keystoreFile: '', caFile: caFileOf(paths) });
    if (pids.every((pid) => pid !== null)) {
      // Started by this tooling (maybe by another process that is still waiting for it).
      if (!(await allNodesAnswer(paths.nodes, local.adminSecurity))) {
        log(`[kafka] waiting for the broker already starting (pid ${pids.join(', ')})…`);
        await waitUntilReady(
          paths,
          paths.nodes.map((node, index) => ({ node, pid: pids[index], exited: () => null })),
          local.adminSecurity,
        );
      }
      await grantServices(local);
      log(`[kafka] reusing the broker running on ${where} (pid ${pids.join(', ')})`);
      return { brokers: LOCAL_BROKERS, startedHere: false, external: false, local };
    }
    if (pids.every((pid) => pid === null) && (await brokersAnswer(LOCAL_BROKERS, local.adminSecurity))) {
      await grantServices(local);
      log(`[kafka] reusing the broker already answering on ${where}`);
      return { brokers: LOCAL_BROKERS, startedHere: false, external: false, local };
    }
    return null;
  };

  const existing = await reuse();
  if (existing) return existing;

  return withStartLock(paths, async () => {
    const again = await reuse(); // another process may have started it while we waited for the lock
    if (again) return again;

    await resolveJars(paths, log);
    const credentials = ensureCredentials(paths);
    const tls = await ensureTls(paths, log);
    // The nodes still running keep their data; the others are (re)configured and started.
    const down = paths.nodes.filter((node) => runningBrokerPid(node.pidFile) === null);
    for (const node of down) writeConfig(paths, node, credentials, tls);
    await formatStorages(paths, down, credentials, log);
    const local = localBroker(paths, credentials, tls);

    const data = paths.nodes.length === 1 ? paths.nodes[0].dataDir : path.join(paths.stateDir, 'cluster');
    log(
      `[kafka] starting Apache Kafka ${KAFKA_VERSION} (KRaft, SASL + ACLs, ` +
        `${paths.nodes.length === 1 ? 'one node' : `node ${down.map((node) => node.id).join(', ')} of ${paths.nodes.length}`}, ` +
        `data in ${path.relative(paths.repoRoot, data) || '.'})…`,
    );
    const started = Date.now();
    const starting = down.map((node) => spawnBroker(paths, node));
    await waitUntilReady(paths, starting, local.adminSecurity);
    await grantServices(local);
    log(
      `[kafka] broker ready on ${where} (services), ${local.externalBrokers.join(',')} (SASL_SSL, CA ${path.relative(paths.repoRoot, local.caFile)}) (${seconds(Date.now() - started)})`,
    );
    return { brokers: LOCAL_BROKERS, startedHere: true, external: false, local };
  });
}

/**
 * The benchmarks' baseline broker (bench P16, `kafka-cli start --unsecured`): PLAINTEXT, no
 * SASL, no ACLs, on its own ports and storage, one node. Its clients connect with KAFKA_SASL_MECHANISM=none.
 */
async function ensureUnsecuredBroker(
  paths: Paths,
  options: KafkaBrokerOptions | undefined,
  log: (line: string) => void,
): Promise<KafkaBrokerHandle> {
  if (paths.nodes.length !== 1)
    throw new Error(
      '[kafka] the unsecured baseline broker (bench P16) is a single node: unset HUB_KAFKA_NODES',
    );
  const [node] = paths.nodes;
  const handle: KafkaBrokerHandle = {
    brokers: LOCAL_BROKERS,
    startedHere: false,
    external: false,
    local: null,
  };
  return withStartLock(paths, async () => {
    await stopOtherLayout(paths, log);
    const pid = runningBrokerPid(node.pidFile);
    if (pid !== null && configIsSecured(node)) {
      log(`[kafka] the broker running here (pid ${pid}) is secured: stopping it`);
      await stopKafkaBroker({ ...options, log });
    } else if (pid !== null) {
      await waitUntilReady(paths, [{ node, pid, exited: () => null }], {});
      return handle;
    }
    await resolveJars(paths, log);
    const credentials = ensureCredentials(paths);
    writeConfig(paths, node, credentials, null);
    await formatStorages(paths, [node], credentials, log, false);
    log(
      `[kafka] starting Apache Kafka ${KAFKA_VERSION} UNSECURED (bench baseline: PLAINTEXT, no SASL, no ACLs)…`,
    );
    await waitUntilReady(paths, [spawnBroker(paths, node)], {});
    log(`[kafka] unsecured broker ready on ${LOCAL_BROKERS[0]}`);
    return { ...handle, startedHere: true };
  });
}

/** Pids of the configured nodes that are running (null for a node that is not). */
function runningPids(paths: Paths): (number | null)[] {
  return paths.nodes.map((node) => runningBrokerPid(node.pidFile));
}

/**
 * Stops the nodes of the other layout on these ports (the single node when a cluster is wanted,
 * or a cluster's nodes when one node is): they hold the same ports. True when it stopped any.
 */
async function stopOtherLayout(paths: Paths, log: (line: string) => void): Promise<boolean> {
  const running = paths.otherPidFiles.filter((file) => runningBrokerPid(file) !== null);
  if (running.length === 0) return false;
  log(
    `[kafka] stopping the ${running.length === 1 ? 'single-node broker' : `${running.length}-node cluster`} ` +
      `running on these ports (HUB_KAFKA_NODES=${KAFKA_NODES} wants ${KAFKA_NODES === 1 ? 'one node' : 'a cluster'})`,
  );
  await stopPidFiles(running, log);
  return true;
}

/** Whether the running node's server.properties is the secured one (an older checkout wrote PLAINTEXT). */
function configIsSecured(node: NodePaths): boolean {
  try {
    return fs.readFileSync(node.configFile, 'utf8').includes('allow.everyone.if.no.acl.found=false');
  } catch {
    return false;
  }
}

function caFileOf(paths: Paths): string {
  return process.env.KAFKA_TLS_CA_FILE
    ? path.resolve(process.env.KAFKA_TLS_CA_FILE)
    : path.join(paths.tlsDir, 'ca.pem');
}

function tcpAnswers(address: string): Promise<boolean> {
  const i = address.lastIndexOf(':');
  return new Promise((resolve) => {
    const socket = net.connect({ host: address.slice(0, i), port: Number(address.slice(i + 1)) });
    const done = (open: boolean) => {
      socket.destroy();
      resolve(open);
    };
    socket.setTimeout(1000, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/** The services' ACLs, created (idempotently) as the bootstrap admin on every start or reuse. */
async function grantServices(local: LocalKafkaBroker): Promise<void> {
  const admin = new Kafka({
    clientId: 'cosmo-hub-kafka-acls',
    brokers: LOCAL_BROKERS,
    ...kafkajsSecurity(local.adminSecurity),
    logLevel: logLevel.NOTHING,
  }).admin();
  await admin.connect();
  try {
    await grantServicePrincipals(admin);
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
  await ensureStreamAdminUser(local);
}

/**
 * The stream admin's SCRAM credential, written at format time; storage formatted before it
 * existed gets it now, as the bootstrap admin (a JVM only when the stream admin cannot log in).
 */
async function ensureStreamAdminUser(local: LocalKafkaBroker): Promise<void> {
  const { streamAdmin } = local.credentials;
  const loggedIn = await brokersAnswer(LOCAL_BROKERS, { sasl: streamAdmin }).catch((error: unknown) => {
    if (error instanceof KafkaCredentialsRefused) return false;
    throw error;
  });
  if (loggedIn) return;
  await upsertScramUser(
    { classpath: local.adminClasspath, brokers: LOCAL_BROKERS, security: local.adminSecurity },
    streamAdmin.username,
    streamAdmin.password,
  );
}

/**
 * What the gateway needs to issue stream credentials on the development broker: the external
 * listener, its CA, the stream admin principal and the SCRAM tool's classpath. For the gateway
 * only: the stream admin may alter the cluster's ACLs.
 */
export function streamAccessEnvironment(local: LocalKafkaBroker): Record<string, string> {
  return {
    KAFKA_EXTERNAL_BOOTSTRAP: local.externalBrokers.join(','),
    KAFKA_EXTERNAL_CA_FILE: local.caFile,
    STREAM_ADMIN_KAFKA_SASL_USERNAME: local.credentials.streamAdmin.username,
    STREAM_ADMIN_KAFKA_SASL_PASSWORD: local.credentials.streamAdmin.password,
    KAFKA_ADMIN_CLASSPATH: local.adminClasspath,
  };
}

/**
 * The variables that give one service its principal on the development broker: the shared names
 * (KAFKA_SASL_USERNAME/PASSWORD) for a service in its own process, or the per-service names
 * (RELAY_KAFKA_SASL_USERNAME…) for services sharing one environment (the test harness).
 */
export function serviceKafkaEnvironment(
  local: Pick<LocalKafkaBroker, 'credentials'>,
  service: HubService,
  naming: 'shared' | 'per-service' = 'shared',
): Record<string, string> {
  const { username, password } = local.credentials.services[service];
  const prefix = naming === 'shared' ? '' : `${service.toUpperCase()}_`;
  return {
    KAFKA_SASL_MECHANISM: 'scram-sha-512',
    [`${prefix}KAFKA_SASL_USERNAME`]: username,
    [`${prefix}KAFKA_SASL_PASSWORD`]: password,
  };
}

/**
 * The development broker's principals, created now if this checkout never started its broker, so
 * that services started while the broker boots already have theirs; null for KAFKA_BROKERS.
 */
export function prepareLocalKafkaBroker(options?: KafkaBrokerOptions): LocalKafkaBroker | null {
  if (externalBrokers()) return null;
  const paths = resolvePaths(options);
  ensureStateDir(paths);
  return localBroker(paths, ensureCredentials(paths), { keystoreFile: '', caFile: caFileOf(paths) });
}

/** The credentials file of a broker whose state lives in `stateDir` (e.g. the benchmarks' broker). */
export function kafkaCredentialsIn(stateDir: string): KafkaBrokerCredentials | null {
  return readCredentials({ credentialsFile: path.join(stateDir, 'kafka-credentials.json') } as Paths);
}

/** Pid of the broker running from `stateDir` (its broker.pid), e.g. the benchmarks'; null when none is. */
export function kafkaBrokerPidIn(stateDir: string): number | null {
  const pid = readPid(path.join(stateDir, 'broker.pid'));
  return pid !== null && isKafkaProcess(pid) ? pid : null;
}

/**
 * The development broker's principals, CA and tool classpath as they are on disk, without
 * starting anything; null when this checkout's broker was never started (or KAFKA_BROKERS is set).
 */
export function localKafkaBroker(options?: KafkaBrokerOptions): LocalKafkaBroker | null {
  if (externalBrokers()) return null;
  const paths = resolvePaths(options);
  const credentials = readCredentials(paths);
  return credentials ? localBroker(paths, credentials, { keystoreFile: '', caFile: caFileOf(paths) }) : null;
}

/** SIGTERM to the processes of these pid files at once (SIGKILL after 30 s); removes the pid files. */
async function stopPidFiles(pidFiles: readonly string[], log: (line: string) => void): Promise<number> {
  const running = pidFiles
    .map((pidFile) => ({ pidFile, pid: runningBrokerPid(pidFile) }))
    .filter((entry): entry is { pidFile: string; pid: number } => entry.pid !== null);
  if (running.length === 0) return 0;
  const pids = running.map(({ pid }) => pid).join(', ');
  log(`[kafka] stopping the broker (pid ${pids})…`);
  const started = Date.now();
  // All at once: a node of a cluster shuts down in order while the others' controllers still answer.
  await Promise.all(
    running.map(async ({ pid }) => {
      signalGroup(pid, 'SIGTERM');
      if (!(await waitForExit(pid, STOP_TIMEOUT_MS))) {
        log(`[kafka] pid ${pid} did not stop within ${seconds(STOP_TIMEOUT_MS)}; sending SIGKILL`);
        signalGroup(pid, 'SIGKILL');
        await waitForExit(pid, 5000);
      }
    }),
  );
  for (const { pidFile } of running) fs.rmSync(pidFile, { force: true });
  log(`[kafka] broker stopped (${seconds(Date.now() - started)})`);
  return running.length;
}

/**
 * Stops what ensureKafkaBroker started on these ports, every node of it (SIGTERM to each node's
 * process group, SIGKILL after 30 s), and removes the pid files. The data directories are kept, so
 * ensureKafkaBroker() restarts on the same data. Returns false when no node started by this
 * tooling was running.
 */
export async function stopKafkaBroker(options?: KafkaBrokerOptions): Promise<boolean> {
  const log = options?.log ?? ((line: string) => console.log(line));
  const paths = resolvePaths(options);
  // Both layouts: whatever HUB_KAFKA_NODES says now, nothing started on these ports keeps running.
  return (await stopPidFiles([...paths.nodes.map((node) => node.pidFile), ...paths.otherPidFiles], log)) > 0;
}

/** A node of the project's cluster as it is now: its address and the pid of its process, if running. */
export interface KafkaNodeState extends KafkaNodeAddress {
  address: string;
  pid: number | null;
}

/** The configured nodes and their running processes (the fault suite picks one to kill). */
export function kafkaNodes(options?: KafkaBrokerOptions): KafkaNodeState[] {
  return resolvePaths(options).nodes.map((node) => ({
    id: node.id,
    port: node.port,
    controllerPort: node.controllerPort,
    externalPort: node.externalPort,
    address: node.address,
    pid: runningBrokerPid(node.pidFile),
  }));
}

/**
 * Stops one node: SIGTERM (a controlled shutdown: its leaderships move first) or SIGKILL (a crash).
 * ensureKafkaBroker() starts it again on its data. False when the node was not running.
 */
export async function stopKafkaNode(
  id: number,
  signal: 'SIGTERM' | 'SIGKILL',
  options?: KafkaBrokerOptions,
): Promise<boolean> {
  const node = resolvePaths(options).nodes.find((candidate) => candidate.id === id);
  if (!node) throw new Error(`[kafka] there is no node ${id} (HUB_KAFKA_NODES=${KAFKA_NODES})`);
  const pid = runningBrokerPid(node.pidFile);
  if (pid === null) return false;
  signalGroup(pid, signal);
  if (!(await waitForExit(pid, STOP_TIMEOUT_MS))) {
    signalGroup(pid, 'SIGKILL');
    await waitForExit(pid, 5000);
  }
  fs.rmSync(node.pidFile, { force: true });
  return true;
}

/** What `kafka-cli status` reports: the pids started here (if alive) and whether the brokers answer. */
export async function kafkaBrokerStatus(options?: KafkaBrokerOptions): Promise<KafkaBrokerStatus> {
  const paths = resolvePaths(options);
  const external = externalBrokers();
  const brokers = external ?? LOCAL_BROKERS;
  return {
    brokers,
    external: external !== null,
    pids: fs.existsSync(paths.stateDir)
      ? runningPids(paths).filter((pid): pid is number => pid !== null)
      : [],
    answering: await brokersAnswer(
      brokers,
      external ? {} : (localKafkaBroker(options)?.adminSecurity ?? {}),
    ).catch(() => false),
    logFile: paths.nodes[0].logFile,
  };
}
