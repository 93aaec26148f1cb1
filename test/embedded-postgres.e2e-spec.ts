import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, cpSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { Client } from 'pg';
import {
  EmbeddedPostgresServer,
  installedPostgresBinaries,
  type PostgresBinaries,
} from '../apps/launcher/src/embedded-postgres-server';
import { resolveHubDatabase } from '../apps/launcher/src/hub-database';
import { runMigrations } from '@hub/persistence';

const asRoot = process.getuid?.() === 0;

/** Spawns a program as the postgres user (as root) and reports how the spawn ended. */
function spawnOutcome(program: string): Promise<string> {
  return new Promise((resolve) => {
    const child = spawn(
      program,
      ['--version'],
      asRoot ? { uid: postgresIds().uid, gid: postgresIds().gid } : {},
    );
    child.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
    child.once('exit', (code) => resolve(`exit ${code}`));
  });
}

function postgresIds(): { uid: number; gid: number } {
  const id = (flag: string): number => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }));
  return { uid: id('-u'), gid: id('-g') };
}

/** `npm run hub` on a machine without PostgreSQL: the launcher's embedded fallback is a real server. */
describe('the embedded PostgreSQL fallback', () => {
  const saved = { ...process.env };
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'cosmo-hub-embedded-'));

  beforeAll(() => {
    // As root, PostgreSQL runs as the postgres user, which must own its data folder and reach it.
    chmodSync(scratch, 0o755);
  });

  afterAll(() => {
    process.env = saved;
    rmSync(scratch, { recursive: true, force: true });
  });

  it('initialises, starts, takes the migrations and answers queries', async () => {
    Object.assign(process.env, {
      HUB_EMBEDDED_POSTGRES: 'true',
      HUB_EMBEDDED_POSTGRES_DIR: path.join(scratch, 'data'),
      HUB_EMBEDDED_POSTGRES_PORT: '5439',
    });
    const lines: string[] = [];
    const database = await resolveHubDatabase((line) => lines.push(line));
    try {
      expect(database.kind).toBe('embedded');
      expect(lines.join('\n')).toContain('embedded PostgreSQL ready on 127.0.0.1:5439');
      const applied = await runMigrations(database.url);
      expect(applied.length).toBeGreaterThanOrEqual(4);
      const client = new Client({ connectionString: database.url });
      await client.connect();
      try {
        const tables = await client.query<{ name: string }>(
          "SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename",
        );
        expect(tables.rows.map((row) => row.name)).toEqual(
          expect.arrayContaining(['intelligence_records', 'outbox_events']),
        );
      } finally {
        await client.end();
      }
    } finally {
      await database.stop();
    }
  });

  it('runs from a checkout in a private (0700) folder', async () => {
    // A checkout in a home folder or `mktemp -d`: only its owner may enter it.
    const checkout = path.join(scratch, 'private-checkout');
    mkdirSync(checkout, { mode: 0o700 });
    chmodSync(checkout, 0o700);
    const installed = installedPostgresBinaries();
    const binaries: PostgresBinaries = {
      nativeDir: path.join(checkout, 'native'),
      // A version of its own: this test stages its copy, never reuses another's.
      version: `${installed.version}-test-${process.pid}`,
    };
    cpSync(installed.nativeDir, binaries.nativeDir, { recursive: true, verbatimSymlinks: true });
    if (asRoot) {
      // What used to happen: the postgres user cannot reach programs inside the private folder.
      expect(await spawnOutcome(path.join(binaries.nativeDir, 'bin', 'initdb'))).toBe('EACCES');
    }
    const staging = path.join(scratch, 'staging');
    mkdirSync(staging, { mode: 0o755 });
    const server = new EmbeddedPostgresServer({
      databaseDir: path.join(scratch, 'private-data'),
      port: 5438,
      password: 'postgres',
      log: () => undefined,
      binaries,
      stagingRoot: staging,
    });
    await server.start();
    try {
      const client = new Client({ connectionString: server.url });
      await client.connect();
      try {
        const { rows } = await client.query<{ user: string }>('SELECT current_user AS user');
        expect(rows[0]?.user).toBe('postgres');
      } finally {
        await client.end();
      }
    } finally {
      await server.stop();
    }
  });

  it('says at once why it cannot start, instead of waiting', async () => {
    // A data folder inside a private folder: as root, the postgres user cannot reach it.
    const hidden = path.join(scratch, 'hidden');
    mkdirSync(hidden, { mode: 0o700 });
    chmodSync(hidden, 0o700);
    const blockedPort = 5437;
    const started = Date.now();
    const server = new EmbeddedPostgresServer({
      databaseDir: asRoot ? path.join(hidden, 'data') : path.join(scratch, 'taken-port-data'),
      port: blockedPort,
      password: 'postgres',
      log: () => undefined,
    });
    // Not root: the same promise is tested with a port PostgreSQL cannot bind (already taken).
    const occupant = asRoot ? undefined : await listenOn(blockedPort);
    try {
      await expect(server.start()).rejects.toThrow(
        asRoot ? /Permission denied/ : /could not bind|already in use/,
      );
    } finally {
      occupant?.close();
      await server.stop();
    }
    expect(Date.now() - started).toBeLessThan(15_000);
  });
});

async function listenOn(port: number): Promise<Server> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return server;
}
