import type { BenchEnvironment } from './bench-environment';
import type { Progress } from './progress';
import { median } from './stats';

/**
 * What a row must achieve. `ratio-at-least`: figure / baseline ≥ value (more is better);
 * `ratio-at-most`: figure / baseline ≤ value (less is better, e.g. latency, memory);
 * `at-most`: the figure itself ≤ value; `holds`: a check the scenario decides (e.g. no growth).
 */
export type TargetCondition =
  | { kind: 'ratio-at-least'; value: number }
  | { kind: 'ratio-at-most'; value: number }
  | { kind: 'at-most'; value: number; unit: string }
  | { kind: 'holds'; description: string };

/** One repetition of a measurement: the hub's figure and, when the row has one, its baseline from the same run. */
export interface RunFigures {
  figure: number;
  baseline?: number;
  /** For `holds` targets: whether this run satisfied it. */
  holds?: boolean;
  /** Anything else worth keeping in the JSON (percentiles, counts, samples). */
  detail?: Record<string, unknown>;
}

export interface RowSpec {
  id: string;
  what: string;
  unit: string;
  baselineLabel: string | null;
  targets: TargetCondition[];
}

export interface RowResult extends RowSpec {
  runs: RunFigures[];
  figure: number;
  baseline: number | null;
  ratio: number | null;
  met: boolean;
  /** A short human note for the table (e.g. p50 beside a p99 figure). */
  note: string;
}

export interface ScenarioContext {
  environment: BenchEnvironment;
  progress: Progress;
  quick: boolean;
  /** Repetitions of each measurement (at least 3 in a full run). */
  runs: number;
}

export interface Scenario {
  id: string;
  title: string;
  /** How it is measured, for docs/benchmarks.md. */
  method: string;
  run(context: ScenarioContext): Promise<RowResult[]>;
}

function conditionMet(condition: TargetCondition, row: Omit<RowResult, 'met'>): boolean {
  switch (condition.kind) {
    case 'ratio-at-least':
      return row.ratio !== null && row.ratio >= condition.value;
    case 'ratio-at-most':
      return row.ratio !== null && row.ratio <= condition.value;
    case 'at-most':
      return row.figure <= condition.value;
    case 'holds':
      return row.runs.length > 0 && row.runs.every((run) => run.holds === true);
  }
}

/** Reduces the runs of one row to its medians, ratio and verdict. */
export function summarize(spec: RowSpec, runs: RunFigures[], note = ''): RowResult {
  const figure = median(runs.map((run) => run.figure));
  const baselines = runs.map((run) => run.baseline).filter((value): value is number => value !== undefined);
  const baseline = baselines.length > 0 ? median(baselines) : null;
  const ratio = baseline !== null && baseline !== 0 ? figure / baseline : null;
  const row = { ...spec, runs, figure, baseline, ratio, note };
  return { ...row, met: spec.targets.every((condition) => conditionMet(condition, row)) };
}

export function describeTarget(conditions: readonly TargetCondition[]): string {
  return conditions
    .map((condition) => {
      switch (condition.kind) {
        case 'ratio-at-least':
          return `≥ ${condition.value}× baseline`;
        case 'ratio-at-most':
          return `≤ ${condition.value}× baseline`;
        case 'at-most':
          return `≤ ${condition.value} ${condition.unit}`;
        case 'holds':
          return condition.description;
      }
    })
    .join(' and ');
}

/** Runs `measure` the given number of times, reporting each run. */
export async function repeat(
  context: ScenarioContext,
  label: string,
  measure: (run: number) => Promise<RunFigures>,
  format: (figures: RunFigures) => string,
): Promise<RunFigures[]> {
  const runs: RunFigures[] = [];
  for (let run = 1; run <= context.runs; run += 1) {
    const figures = await measure(run);
    runs.push(figures);
    context.progress.step(`${label} run ${run}/${context.runs}: ${format(figures)}`);
  }
  return runs;
}
