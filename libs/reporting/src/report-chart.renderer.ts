import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';

/** A Vega-Lite specification as plain data (vega-lite's own types do not resolve under node10). */
export type VegaLiteSpec = Record<string, unknown>;

/** d3 number and time locale definitions, as Vega's View takes them. */
export interface ChartLocale {
  number?: Record<string, unknown>;
  time?: Record<string, unknown>;
}

export interface ChartRenderOptions {
  locale?: ChartLocale;
  /** The worker is terminated past this; a report without its charts is better than a hung request. */
  timeoutMs?: number;
}

/**
 * Compiles each Vega-Lite spec to Vega and renders it to SVG with Vega's headless SVG renderer
 * (no browser, no canvas). Runs in a worker thread for two reasons: vega is ESM whose graph has a
 * top-level await (vega-canvas probing for the optional `canvas` package), which neither this
 * project's CommonJS build (require) nor Jest's module sandbox can load, while a worker imports it
 * natively; and layout work stays off the gateway's event loop. The specs carry their data inline
 * and the worker's loader refuses every URL and file, so no chart can fetch anything.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
(async () => {
  const [vega, vegaLite] = await Promise.all([import(workerData.vega), import(workerData.vegaLite)]);
  const loader = vega.loader();
  loader.sanitize = () => Promise.reject(new Error('charts load nothing'));
  loader.load = () => Promise.reject(new Error('charts load nothing'));
  const svgs = [];
  for (const spec of workerData.specs) {
    const view = new vega.View(vega.parse(vegaLite.compile(spec).spec), {
      renderer: 'none',
      loader,
      locale: workerData.locale,
      logLevel: vega.None,
    });
    try {
      svgs.push(await view.toSVG());
    } finally {
      view.finalize();
    }
  }
  parentPort.postMessage(svgs);
})().catch((error) => {
  throw error;
});
`;

/** Module URLs resolved here, so the worker finds the packages whatever the process's cwd. */
function moduleUrl(specifier: string): string {
  return pathToFileURL(require.resolve(specifier)).href;
}

/**
 * Workers rendering at once in this process: each holds up to 256 MiB, so a burst of page requests
 * queues here instead of exhausting the gateway's memory.
 */
export const MAX_CONCURRENT_RENDERS = 2;
let rendering = 0;
const waiting: (() => void)[] = [];

/** Renders running now (for the specs: the bound holds under a burst). */
export function rendersInProgress(): number {
  return rendering;
}

async function withRenderSlot<T>(work: () => Promise<T>): Promise<T> {
  if (rendering >= MAX_CONCURRENT_RENDERS) await new Promise<void>((resolve) => waiting.push(resolve));
  else rendering += 1;
  try {
    return await work();
  } finally {
    // The slot passes straight to the next in line, or is given back.
    const next = waiting.shift();
    if (next) next();
    else rendering -= 1;
  }
}

export function renderSvgCharts(
  specs: readonly VegaLiteSpec[],
  options: ChartRenderOptions = {},
): Promise<string[]> {
  if (specs.length === 0) return Promise.resolve([]);
  return withRenderSlot(() => renderInWorker(specs, options));
}

async function renderInWorker(
  specs: readonly VegaLiteSpec[],
  options: ChartRenderOptions,
): Promise<string[]> {
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    workerData: {
      vega: moduleUrl('vega'),
      vegaLite: moduleUrl('vega-lite'),
      specs,
      locale: options.locale ?? {},
    },
    resourceLimits: { maxOldGenerationSizeMb: 256 },
    stdout: true,
    stderr: true,
  });
  try {
    return await new Promise<string[]>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error('chart rendering timed out')),
        options.timeoutMs ?? 30_000,
      );
      const settle = (action: () => void) => {
        clearTimeout(timer);
        action();
      };
      worker.once('message', (svgs: string[]) => settle(() => resolve(svgs)));
      worker.once('error', (error: Error) => settle(() => reject(error)));
      worker.once('exit', (code) =>
        settle(() => reject(new Error(`chart worker exited with code ${code} before answering`))),
      );
    });
  } finally {
    await worker.terminate();
  }
}
