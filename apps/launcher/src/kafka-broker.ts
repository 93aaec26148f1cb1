/**
 * Development Kafka broker for Cosmo Hub: the official Apache Kafka broker
 * (org.apache.kafka:kafka_2.13 from Maven Central), run as a single-node KRaft
 * broker+controller on 127.0.0.1:9092 (controller on 127.0.0.1:9093).
 *
 * No NestJS imports on purpose: this module is used by the launcher, by the
 * `kafka-cli` script and by the Jest global setup.
 *
 * Layout (all under the git-ignored `<repo>/.cache/kafka/`):
 *   <version>/lib/*.jar       broker classpath, copied by Maven (apps/launcher/kafka/pom.xml)
 *   <version>/.resolved       marker written once the copy succeeded
 *   data/                     log.dirs (KRaft metadata + topic data); survives stop/start
 *   server.properties         rewritten on every start
 *   log4j2.properties         broker logging configuration (stdout → broker.log)
 *   broker.log(.1)            broker stdout/stderr (previous run kept as .1)
 *   broker.pid                pid (= process group id) of the broker started here
 */
import { randomBytes } from 'node:crypto';
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Kafka, logLevel, Partitioners } from 'kafkajs';
import { brokersAnswer as answersMetadata } from '@hub/messaging';

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

function portFromEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 1 || port > 65535)
    throw new Error(`[kafka] ${name} must be a TCP port`);
  return port;
}

export interface KafkaBrokerHandle {
  brokers: string[];
  startedHere: boolean;
  external: boolean;
}

export interface KafkaBrokerOptions {
  /** Progress lines (default: console.log). */
  log?: (line: string) => void;
  /** log.dirs of the broker (default: `<repo>/.cache/kafka/data`). */
  dataDir?: string;
}

export interface KafkaBrokerStatus {
  /** Brokers that were probed (KAFKA_BROKERS, or 127.0.0.1:9092). */
  brokers: string[];
  external: boolean;
  /** Pid of the broker started by this tooling, when its process is alive. */
  pid: number | null;
  /** Whether the brokers answer Kafka metadata requests. */
  answering: boolean;
  logFile: string;
}

const READY_TIMEOUT_MS = 90_000;
const STOP_TIMEOUT_MS = 30_000;
const LOCK_TIMEOUT_MS = 10 * 60_000;
const LOG_TAIL_LINES = 40;
const LOCAL_BROKERS = [`${KAFKA_HOST}:${KAFKA_PORT}`];
const OFFSETS_TOPIC_PARTITIONS = 10;

interface Paths {
  repoRoot: string;
  stateDir: string;
  versionDir: string;
  libDir: string;
  marker: string;
  dataDir: string;
  configFile: string;
  log4jFile: string;
  logFile: string;
  pidFile: string;
  lockFile: string;
  pomFile: string;
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
  return {
    repoRoot,
    stateDir,
    versionDir,
    libDir: path.join(versionDir, 'lib'),
    marker: path.join(versionDir, '.resolved'),
    dataDir: path.resolve(options?.dataDir ?? path.join(stateDir, 'data')),
    configFile: path.join(stateDir, 'server.properties'),
    log4jFile: path.join(stateDir, 'log4j2.properties'),
    logFile: path.join(stateDir, 'broker.log'),
    pidFile: path.join(stateDir, 'broker.pid'),
    // One start (and one Maven resolution) at a time, whatever the ports.
    lockFile: path.join(cacheDir, '.start.lock'),
    pomFile: path.join(repoRoot, 'apps', 'launcher', 'kafka', 'pom.xml'),
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
  const local = new Set([`${KAFKA_HOST}:${KAFKA_PORT}`, `localhost:${KAFKA_PORT}`]);
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

/** Pid of the broker recorded in broker.pid when it is still running; removes a stale pid file. */
function runningBrokerPid(paths: Paths): number | null {
  const pid = readPid(paths.pidFile);
  if (pid === null) return null;
  if (isKafkaProcess(pid)) return pid;
  fs.rmSync(paths.pidFile, { force: true });
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
async function warmUpCoordinators(deadline: number): Promise<void> {
  const kafka = new Kafka({
    clientId: 'cosmo-hub-kafka-warmup',
    brokers: LOCAL_BROKERS,
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

async function waitUntilReady(
  paths: Paths,
  pid: number,
  exited: () => string | null,
  timeoutMs = READY_TIMEOUT_MS,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const exit = exited() ?? (isAlive(pid) ? null : 'exited');
    if (exit !== null) {
      fs.rmSync(paths.pidFile, { force: true });
      throw new Error(
        `[kafka] the broker (pid ${pid}) ${exit} before answering on ${LOCAL_BROKERS[0]}.\n` +
          brokerLogReport(paths.logFile),
      );
    }
    if (await answersMetadata(LOCAL_BROKERS)) {
      try {
        await warmUpCoordinators(deadline);
        return;
      } catch (err) {
        signalGroup(pid, 'SIGKILL');
        await waitForExit(pid, 5000);
        fs.rmSync(paths.pidFile, { force: true });
        throw new Error(
          `${errorMessage(err)} (the broker, pid ${pid}, was killed)\n` + brokerLogReport(paths.logFile),
          { cause: err },
        );
      }
    }
    if (Date.now() > deadline) {
      signalGroup(pid, 'SIGKILL');
      await waitForExit(pid, 5000);
      fs.rmSync(paths.pidFile, { force: true });
      throw new Error(
        `[kafka] the broker (pid ${pid}) did not answer on ${LOCAL_BROKERS[0]} within ${seconds(timeoutMs)}; it was killed.\n` +
          brokerLogReport(paths.logFile),
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

function writeConfig(paths: Paths): void {
  const properties = [
    '# Written by apps/launcher/src/kafka-broker.ts on every start; edits are overwritten.',
    '# Single-node KRaft: this node is both broker and (dynamic-quorum, --standalone) controller.',
    'process.roles=broker,controller',
    'node.id=1',
    `controller.quorum.bootstrap.servers=${KAFKA_HOST}:${KAFKA_CONTROLLER_PORT}`,
    `listeners=PLAINTEXT://${KAFKA_HOST}:${KAFKA_PORT},CONTROLLER://${KAFKA_HOST}:${KAFKA_CONTROLLER_PORT}`,
    `advertised.listeners=PLAINTEXT://${KAFKA_HOST}:${KAFKA_PORT},CONTROLLER://${KAFKA_HOST}:${KAFKA_CONTROLLER_PORT}`,
    'inter.broker.listener.name=PLAINTEXT',
    'controller.listener.names=CONTROLLER',
    'listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT',
    `log.dirs=${paths.dataDir}`,
    'num.partitions=1',
    'default.replication.factor=1',
    'min.insync.replicas=1',
    'offsets.topic.replication.factor=1',
    `offsets.topic.num.partitions=${OFFSETS_TOPIC_PARTITIONS}`,
    'transaction.state.log.replication.factor=1',
    'transaction.state.log.min.isr=1',
    'share.coordinator.state.topic.replication.factor=1',
    'share.coordinator.state.topic.min.isr=1',
    'group.initial.rebalance.delay.ms=0',
    // Topics are normally created explicitly by the hub; auto-creation stays on (Kafka's default)
    // so that a missing topic never turns into a hard failure in development.
    'auto.create.topics.enable=true',
    'log.retention.hours=168',
    '',
  ].join('\n');
  fs.writeFileSync(paths.configFile, properties);

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

async function formatStorage(paths: Paths, log: (line: string) => void): Promise<void> {
  if (fs.existsSync(path.join(paths.dataDir, 'meta.properties'))) return;
  log('[kafka] formatting storage…');
  fs.mkdirSync(paths.dataDir, { recursive: true });
  const java = javaCommand();
  const args = jvmArgs(paths, ['-Xmx256m']);
  const clusterId = randomClusterId();
  const format = await runCommand(
    java,
    [...args, 'kafka.tools.StorageTool', 'format', '--standalone', '-t', clusterId, '-c', paths.configFile],
    paths.stateDir,
  );
  if (format.code !== 0 || !fs.existsSync(path.join(paths.dataDir, 'meta.properties'))) {
    throw new Error(`[kafka] StorageTool format failed (exit ${format.code}):\n${tail(format.output)}`);
  }
}

function spawnBroker(paths: Paths): { child: ChildProcess; exited: () => string | null } {
  if (fs.existsSync(paths.logFile)) fs.renameSync(paths.logFile, `${paths.logFile}.1`);
  const out = fs.openSync(paths.logFile, 'a');
  let exit: string | null = null;
  let child: ChildProcess;
  try {
    fs.writeSync(
      out,
      `==== ${new Date().toISOString()} starting Apache Kafka ${KAFKA_VERSION} (KRaft) ====\n`,
    );
    child = spawn(
      javaCommand(),
      [...jvmArgs(paths, ['-Xms256m', '-Xmx768m']), 'kafka.Kafka', paths.configFile],
      { cwd: paths.stateDir, detached: true, stdio: ['ignore', out, out] },
    );
  } finally {
    fs.closeSync(out);
  }
  child.once('error', (err) => (exit = `could not be started (${err.message})`));
  child.once('exit', (code, signal) => (exit = `exited (${signal ? `signal ${signal}` : `code ${code}`})`));
  child.unref();
  return { child, exited: () => exit };
}

// ---------------------------------------------------------------------------
// public API

/**
 * Makes sure a Kafka broker is reachable and returns its bootstrap servers:
 * KAFKA_BROKERS when set (external; except when it is just 127.0.0.1:9092 or localhost:9092, which
 * is handled as the local broker), else a broker already answering on 127.0.0.1:9092, else the
 * pinned Apache Kafka broker, resolved with Maven and started detached. Idempotent.
 */
export async function ensureKafkaBroker(options?: KafkaBrokerOptions): Promise<KafkaBrokerHandle> {
  const log = options?.log ?? ((line: string) => console.log(line));
  const external = externalBrokers();
  if (external) {
    log(`[kafka] using external brokers from KAFKA_BROKERS: ${external.join(',')}`);
    return { brokers: external, startedHere: false, external: true };
  }
  const paths = resolvePaths(options);
  fs.mkdirSync(paths.stateDir, { recursive: true });

  const reuse = async (): Promise<KafkaBrokerHandle | null> => {
    const pid = runningBrokerPid(paths);
    if (pid !== null) {
      // Started by this tooling (maybe by another process that is still waiting for it).
      if (!(await answersMetadata(LOCAL_BROKERS))) {
        log(`[kafka] waiting for the broker already starting (pid ${pid})…`);
        await waitUntilReady(paths, pid, () => null);
      }
      log(`[kafka] reusing the broker running on ${LOCAL_BROKERS[0]} (pid ${pid})`);
      return { brokers: LOCAL_BROKERS, startedHere: false, external: false };
    }
    if (await answersMetadata(LOCAL_BROKERS)) {
      log(`[kafka] reusing the broker already answering on ${LOCAL_BROKERS[0]}`);
      return { brokers: LOCAL_BROKERS, startedHere: false, external: false };
    }
    return null;
  };

  const existing = await reuse();
  if (existing) return existing;

  return withStartLock(paths, async () => {
    const again = await reuse(); // another process may have started it while we waited for the lock
    if (again) return again;

    await resolveJars(paths, log);
    writeConfig(paths);
    await formatStorage(paths, log);

    log(
      `[kafka] starting Apache Kafka ${KAFKA_VERSION} (KRaft, data in ${path.relative(paths.repoRoot, paths.dataDir) || '.'})…`,
    );
    const started = Date.now();
    const { child, exited } = spawnBroker(paths);
    if (child.pid === undefined) {
      await sleep(50); // let the 'error' event arrive
      throw new Error(`[kafka] the broker ${exited() ?? 'could not be started'} (is Java 17+ installed?)`);
    }
    fs.writeFileSync(paths.pidFile, `${child.pid}\n`);
    await waitUntilReady(paths, child.pid, exited);
    log(`[kafka] broker ready on ${LOCAL_BROKERS[0]} (${seconds(Date.now() - started)})`);
    return { brokers: LOCAL_BROKERS, startedHere: true, external: false };
  });
}

/**
 * Stops the broker started by ensureKafkaBroker (SIGTERM to its process group, SIGKILL after 30 s)
 * and removes the pid file. The data directory is kept, so ensureKafkaBroker() restarts on the same data.
 * Returns false when no broker started by this tooling was running.
 */
export async function stopKafkaBroker(options?: KafkaBrokerOptions): Promise<boolean> {
  const log = options?.log ?? ((line: string) => console.log(line));
  const paths = resolvePaths(options);
  const pid = runningBrokerPid(paths);
  if (pid === null) return false;
  log(`[kafka] stopping the broker (pid ${pid})…`);
  const started = Date.now();
  signalGroup(pid, 'SIGTERM');
  if (!(await waitForExit(pid, STOP_TIMEOUT_MS))) {
    log(`[kafka] the broker did not stop within ${seconds(STOP_TIMEOUT_MS)}; sending SIGKILL`);
    signalGroup(pid, 'SIGKILL');
    await waitForExit(pid, 5000);
  }
  fs.rmSync(paths.pidFile, { force: true });
  log(`[kafka] broker stopped (${seconds(Date.now() - started)})`);
  return true;
}

/** What `kafka-cli status` reports: the pid started here (if alive) and whether the brokers answer. */
export async function kafkaBrokerStatus(options?: KafkaBrokerOptions): Promise<KafkaBrokerStatus> {
  const paths = resolvePaths(options);
  const external = externalBrokers();
  const brokers = external ?? LOCAL_BROKERS;
  return {
    brokers,
    external: external !== null,
    pid: fs.existsSync(paths.stateDir) ? runningBrokerPid(paths) : null,
    answering: await answersMetadata(brokers),
    logFile: paths.logFile,
  };
}
