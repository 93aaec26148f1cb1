import 'reflect-metadata';
import { prepareEnvironment } from './support/bench-environment';
import { describeMachine } from './support/machine';
import { Progress } from './support/progress';
import { ServiceProcess } from './support/service-process';
import { type BenchReport, markdownTable, type ScenarioReport, writeReport } from './support/report';
import type { ScenarioContext } from './support/scenario';
import { SCENARIOS } from './scenarios';

const USAGE = 'usage: npm run bench [-- [--quick] [P1 … P17]]';

function parseArguments(argv: readonly string[]): { quick: boolean; selected: string[] } {
  const quick = argv.includes('--quick');
  const selected = argv.filter((arg) => arg !== '--quick').map((arg) => arg.toUpperCase());
  const unknown = selected.filter((id) => !SCENARIOS.some((scenario) => scenario.id === id));
  if (unknown.length > 0) throw new Error(`unknown scenario ${unknown.join(', ')}; ${USAGE}`);
  return { quick, selected };
}

/** `npm run bench`: starts what the scenarios need, runs them, writes the results. */
async function main(): Promise<void> {
  const { quick, selected } = parseArguments(process.argv.slice(2));
  const progress = new Progress();
  const scenarios = selected.length
    ? SCENARIOS.filter((scenario) => selected.includes(scenario.id))
    : SCENARIOS;
  const runs = Number(process.env.BENCH_RUNS ?? (quick ? 1 : 3));
  progress.note(
    `Cosmo Hub benchmarks: ${scenarios.map((scenario) => scenario.id).join(' ')} (${quick ? 'quick' : 'full'}, ${runs} run(s) each)`,
  );
  const environment = await prepareEnvironment((line) => progress.note(line));
  const machine = await describeMachine(environment);
  progress.note(
    `machine: ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGiB} GiB, Node ${machine.node}, ${machine.postgresql}, ${machine.kafka}`,
  );
  const context: ScenarioContext = { environment, progress, quick, runs };
  const reports: ScenarioReport[] = [];
  for (const scenario of scenarios) {
    progress.begin(scenario.id, scenario.title);
    try {
      const rows = await scenario.run(context);
      reports.push({ id: scenario.id, title: scenario.title, method: scenario.method, rows });
      for (const row of rows) progress.step(`${row.id}: ${row.met ? 'met' : 'MISSED'} (${row.note})`);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      progress.note(`   ${scenario.id} failed: ${message}`);
      reports.push({
        id: scenario.id,
        title: scenario.title,
        method: scenario.method,
        rows: [],
        error: message,
      });
    }
  }
  const report: BenchReport = {
    generatedAt: new Date().toISOString(),
    mode: quick ? 'quick' : 'full',
    runsPerMeasurement: runs,
    durationSeconds: Math.round(progress.elapsedSeconds()),
    machine,
    scenarios: reports,
  };
  const written = writeReport(environment.repoRoot, report, scenarios.length === SCENARIOS.length);
  process.stdout.write(`\n${markdownTable(report)}\n\nwritten: ${written.join(', ')}\n`);
  await ServiceProcess.stopAll();
  await environment.broker?.stop((line) => progress.note(line));
  // Clients the scenarios left (kafkajs, pg) must not keep the process alive.
  process.exit(reports.some((scenario) => scenario.error) ? 1 : 0);
}

process.once('SIGINT', () => void ServiceProcess.stopAll().finally(() => process.exit(130)));

main().catch(async (error: unknown) => {
  process.stderr.write(
    `[bench] ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  await ServiceProcess.stopAll();
  process.exit(1);
});
