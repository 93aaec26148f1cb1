import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { emptyDatabase, freePort, freePortPair, UNLIMITED_RATES } from '../support/bench-environment';
import { repeat, type Scenario, type ScenarioContext, summarize } from '../support/scenario';

const READY_LINE = 'Cosmo Hub is ready';

/** A broker port pair of its own, so the cold start never meets a running broker; BENCH_COLD_START_KAFKA_PORT fixes it. */
async function coldKafkaPort(): Promise<number> {
  return process.env.BENCH_COLD_START_KAFKA_PORT
    ? Number(process.env.BENCH_COLD_START_KAFKA_PORT)
    : freePortPair();
}

/** Seconds from starting the built launcher to its "ready" line; stops it (and the broker it started) afterwards. */
async function coldStart(context: ScenarioContext, run: number): Promise<number> {
  const { environment } = context;
  const kafkaPort = await coldKafkaPort();
  const brokerState = path.join(environment.repoRoot, '.cache', 'kafka', `port-${kafkaPort}`);
  fs.rmSync(brokerState, { recursive: true, force: true });
  const databaseUrl = await emptyDatabase(environment, `${environment.databaseName}_cold`);
  const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cosmo-hub-bench-state-'));
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.KAFKA_BROKERS;
  delete env.HUB_KAFKA_CONTROLLER_PORT;
  Object.assign(env, UNLIMITED_RATES, {
    HUB_KAFKA_PORT: String(kafkaPort),
    KAFKA_EXTERNAL_PORT: String(await freePort()),
    DATABASE_URL: databaseUrl,
    HUB_ADMIN_TOKEN: environment.adminToken,
    HUB_SECRET_KEY: environment.secretKey,
    HUB_STATE_DIR: stateDir,
    PORT: String(await freePort()),
    RELAY_PORT: String(await freePort()),
    NOTIFIER_PORT: String(await freePort()),
    ROUTER_PORT: String(await freePort()),
    DEMO_WEBHOOK_PORT: String(await freePort()),
  });
  const logFile = path.join(environment.logDir, `cold-start-${run}.log`);
  const log = fs.createWriteStream(logFile);
  const started = performance.now();
  const launcher = spawn(process.execPath, [path.join(environment.distRoot, 'apps/launcher/src/main.js')], {
    env,
    cwd: environment.repoRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<void>((resolve) => launcher.once('exit', () => resolve()));
  try {
    return await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`no "${READY_LINE}" within 180 s; see ${logFile}`)),
        180_000,
      );
      let output = '';
      launcher.stdout.on('data', (chunk: Buffer) => {
        log.write(chunk);
        output += chunk.toString('utf8');
        if (output.includes(READY_LINE)) {
          clearTimeout(timer);
          resolve((performance.now() - started) / 1000);
        }
      });
      launcher.stderr.on('data', (chunk: Buffer) => log.write(chunk));
      launcher.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`the launcher exited (${code}) before it was ready; see ${logFile}`));
      });
    });
  } finally {
    launcher.kill('SIGTERM');
    await exited;
    log.end();
    // Should the launcher have died first, its broker is stopped here.
    spawnSync(process.execPath, [path.join(environment.distRoot, 'apps/launcher/src/kafka-cli.js'), 'stop'], {
      env,
      stdio: 'ignore',
    });
    fs.rmSync(stateDir, { recursive: true, force: true });
    fs.rmSync(brokerState, { recursive: true, force: true });
  }
}

export const coldStartScenario: Scenario = {
  id: 'P13',
  title: 'Cold start',
  method:
    'The built launcher (`node dist/apps/launcher/src/main.js`, what `npm run hub` runs after its build) on free ' +
    'ports of its own (its broker too, with fresh storage, so it is formatted anew), an empty ' +
    'database it migrates, and a state folder of its own; timed from the spawn to its "Cosmo Hub is ready" line ' +
    '(broker answering, migrations applied, the four services healthy, demo organizations and feeds created). ' +
    'Stopped with SIGTERM after each run, which also stops its broker.',
  async run(context) {
    const runs = await repeat(
      context,
      'launcher to ready',
      async (run) => ({ figure: await coldStart(context, run) }),
      (figures) => `${figures.figure.toFixed(1)} s`,
    );
    return [
      summarize(
        {
          id: 'P13',
          what: 'Cold start: `npm run hub` from installed to ready, broker included',
          unit: 's',
          baselineLabel: null,
          targets: [{ kind: 'at-most', value: 30, unit: 's' }],
        },
        runs,
        'fresh broker storage and database each run',
      ),
    ];
  },
};
