import { execFile } from 'node:child_process';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { repeat, type Scenario, summarize } from '../support/scenario';
import { SCALE_SUBSCRIPTIONS } from './p04-matching-scale';

const run = promisify(execFile);

export const matcherMemory: Scenario = {
  id: 'P6',
  title: 'Matcher memory',
  method:
    `In a fresh Node process (--expose-gc), the heap that a SubscriptionIndex holding the P4 population of ` +
    `${SCALE_SUBSCRIPTIONS.toLocaleString('en-US')} subscriptions adds, after full collections, built from each ` +
    'subscription’s JSON as the router reads it. Baseline: the byte size of that JSON ({id, subscriber, filter} each).',
  async run(context) {
    const probe = path.join(context.environment.distRoot, 'bench/support/probes/matcher-memory.probe.js');
    const runs = await repeat(
      context,
      'index heap vs JSON',
      async () => {
        const { stdout } = await run(process.execPath, ['--expose-gc', probe, String(SCALE_SUBSCRIPTIONS)]);
        const measured = JSON.parse(stdout) as { jsonBytes: number; indexBytes: number };
        return { figure: measured.indexBytes / 2 ** 20, baseline: measured.jsonBytes / 2 ** 20 };
      },
      (figures) => `index ${figures.figure.toFixed(1)} MiB, JSON ${figures.baseline?.toFixed(1)} MiB`,
    );
    return [
      summarize(
        {
          id: 'P6',
          what: `Matcher memory, ${SCALE_SUBSCRIPTIONS.toLocaleString('en-US')} subscriptions`,
          unit: 'MiB',
          baselineLabel: 'the subscriptions as JSON',
          targets: [{ kind: 'ratio-at-most', value: 4 }],
        },
        runs,
        'heap after full GC',
      ),
    ];
  },
};
