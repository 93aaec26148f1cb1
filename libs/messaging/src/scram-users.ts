import { execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { KafkaSecurity } from '@hub/platform';

/**
 * Where and how to run the SCRAM user tool (libs/messaging/java/KafkaScramUsers.java): kafkajs
 * cannot create SCRAM users (no KIP-554), the official Java Admin client can.
 */
export interface ScramUserTool {
  /** Java classpath holding kafka-clients, e.g. `<repo>/.cache/kafka/4.4.0/lib/*` (KAFKA_ADMIN_CLASSPATH). */
  classpath: string;
  brokers: string[];
  /** How the tool authenticates: a principal allowed to ALTER the cluster (the bootstrap admin). */
  security: KafkaSecurity;
  /** The Java source file (default: found from the repository root). */
  source?: string;
  /** The java command (default: $JAVA_HOME/bin/java, else java on PATH). */
  java?: string;
}

const TOOL_FILE = path.join('libs', 'messaging', 'java', 'KafkaScramUsers.java');
const TIMEOUT_MS = 120_000;

/** The tool's source, found by walking up from this file (TS sources or dist/) to the repository root. */
export function scramUserToolSource(): string {
  for (let dir = path.resolve(__dirname); ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, TOOL_FILE);
    if (fs.existsSync(candidate)) return candidate;
    if (path.dirname(dir) === dir) throw new Error(`${TOOL_FILE} not found above ${__dirname}`);
  }
}

/** One `key=value` line of a Java properties file (backslashes, line breaks and leading blanks escaped). */
function propertyLine(key: string, value: string): string {
  const escaped = value
    .replace(/\\/g, '\\\\')
    .replace(/\n/g, '\\n')
    .replace(/\r/g, '\\r')
    .replace(/^\s/, (blank) => `\\${blank}`);
  return `${key}=${escaped}`;
}

const jaasQuoted = (value: string): string => `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;

/** The Java client's settings for these brokers and this security, as properties lines. */
export function javaClientProperties(brokers: string[], security: KafkaSecurity): string[] {
  const { sasl, ssl } = security;
  const protocol = `${sasl ? 'SASL_' : ''}${ssl ? 'SSL' : 'PLAINTEXT'}`;
  const lines = [
    propertyLine('bootstrap.servers', brokers.join(',')),
    propertyLine('security.protocol', protocol),
  ];
  if (sasl) {
    const module =
      sasl.mechanism === 'plain'
        ? 'org.apache.kafka.common.security.plain.PlainLoginModule'
        : 'org.apache.kafka.common.security.scram.ScramLoginModule';
    lines.push(
      propertyLine('sasl.mechanism', sasl.mechanism.toUpperCase()),
      propertyLine(
        'sasl.jaas.config',
        `${module} required username=${jaasQuoted(sasl.username)} password=${jaasQuoted(sasl.password)};`,
      ),
    );
  }
  if (ssl && ssl !== true) {
    lines.push(
      propertyLine('ssl.truststore.type', 'PEM'),
      propertyLine('ssl.truststore.certificates', ssl.ca),
    );
  }
  return lines;
}

interface ToolResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

const javaBin = (name: string): string =>
  process.env.JAVA_HOME ? path.join(process.env.JAVA_HOME, 'bin', name) : name;

const compiled = new Map<string, Promise<string | null>>();

/**
 * The tool compiled once with javac into `.cache/kafka-tools/<digest of the source>/` of the
 * source's repository (a JVM that compiles the source on every call takes seconds longer); null
 * when javac is missing, and the source is then run directly.
 */
function compiledTool(source: string, classpath: string): Promise<string | null> {
  const digest = createHash('sha256').update(fs.readFileSync(source)).digest('hex').slice(0, 16);
  const dir = path.join(path.dirname(source), '..', '..', '..', '.cache', 'kafka-tools', digest);
  const key = `${dir}\n${classpath}`;
  let done = compiled.get(key);
  if (!done) {
    done = new Promise((resolve) => {
      if (fs.existsSync(path.join(dir, 'KafkaScramUsers.class'))) return resolve(dir);
      const staging = `${dir}.${process.pid}.${Date.now()}`;
      fs.mkdirSync(staging, { recursive: true });
      execFile(
        javaBin('javac'),
        ['-cp', classpath, '-d', staging, source],
        { timeout: TIMEOUT_MS },
        (error) => {
          if (!error) {
            try {
              fs.renameSync(staging, dir);
            } catch {
              // compiled meanwhile by another process
            }
          }
          fs.rmSync(staging, { recursive: true, force: true });
          resolve(fs.existsSync(path.join(dir, 'KafkaScramUsers.class')) ? dir : null);
        },
      );
    });
    compiled.set(key, done);
  }
  return done;
}

async function runTool(tool: ScramUserTool, args: string[], extra: string[] = []): Promise<ToolResult> {
  const java = tool.java ?? javaBin('java');
  const source = tool.source ?? scramUserToolSource();
  const classes = await compiledTool(source, tool.classpath);
  const command = classes
    ? ['-cp', `${tool.classpath}${path.delimiter}${classes}`, 'KafkaScramUsers']
    : ['-cp', tool.classpath, source];
  return new Promise((resolve, reject) => {
    const child = spawn(java, [...command, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), TIMEOUT_MS);
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    // Secrets go through stdin only, never argv.
    child.stdin.end([...javaClientProperties(tool.brokers, tool.security), ...extra, ''].join('\n'));
  });
}

function failure(what: string, result: ToolResult): Error {
  const detail = result.stderr.trim().split('\n').slice(-5).join('\n') || `exit ${result.code}`;
  return new Error(`KafkaScramUsers ${what} failed (exit ${result.code}): ${detail}`);
}

/** Creates a SCRAM-SHA-512 user, or sets a new password for an existing one. */
export async function upsertScramUser(
  tool: ScramUserTool,
  username: string,
  password: string,
): Promise<void> {
  const result = await runTool(tool, ['upsert', username], [propertyLine('scram.password', password)]);
  if (result.code !== 0) throw failure(`upsert ${username}`, result);
}

/**
 * Deletes a user's SCRAM-SHA-512 credential: its new connections fail authentication at once, its
 * open sessions end at their next re-authentication (the broker's `connections.max.reauth.ms`).
 * Resolves false when there was no such user.
 */
export async function deleteScramUser(tool: ScramUserTool, username: string): Promise<boolean> {
  const result = await runTool(tool, ['delete', username]);
  if (result.code === 3) return false;
  if (result.code !== 0) throw failure(`delete ${username}`, result);
  return true;
}

/** The users holding a SCRAM-SHA-512 credential, sorted. */
export async function listScramUsers(tool: ScramUserTool): Promise<string[]> {
  const result = await runTool(tool, ['list']);
  if (result.code !== 0) throw failure('list', result);
  return result.stdout
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean)
    .sort();
}
