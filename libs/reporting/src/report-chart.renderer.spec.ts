import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { MAX_CONCURRENT_RENDERS, renderSvgCharts, rendersInProgress } from './report-chart.renderer';

describe(renderSvgCharts.name, () => {
  it('renders Vega-Lite specs to standalone SVG with their data, escaping text', async () => {
    const [svg] = await renderSvgCharts([
      {
        data: { values: [{ label: '<script>alert(1)</script> & co', seizures: 3 }] },
        mark: 'bar',
        encoding: {
          y: { field: 'label', type: 'nominal', title: null },
          x: { field: 'seizures', type: 'quantitative' },
        },
      },
    ]);

    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).toContain('&lt;script&gt;alert(1)&lt;/script&gt; &amp; co');
    expect(svg).not.toContain('<script');
  });

  it('loads no data from a file or URL a spec names', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'chart-')), 'points.json');
    writeFileSync(file, JSON.stringify([{ x: 7, y: 9 }]));
    const point = (data: object) => ({
      data,
      mark: 'point',
      encoding: { x: { field: 'x', type: 'quantitative' }, y: { field: 'y', type: 'quantitative' } },
    });

    const [inline, fromFile] = await renderSvgCharts([
      point({ values: [{ x: 7, y: 9 }] }),
      point({ url: pathToFileURL(file).href }),
    ]);

    expect(inline).toContain('aria-label="x: 7; y: 9"');
    expect(fromFile).not.toContain('aria-label="x: 7; y: 9"');
  });

  it('renders nothing for no specs', async () => {
    await expect(renderSvgCharts([])).resolves.toEqual([]);
  });

  it('renders at most a bounded number of charts at once, queueing the rest', async () => {
    const spec = {
      data: { values: [{ x: 1 }] },
      mark: 'point',
      encoding: { x: { field: 'x', type: 'quantitative' } },
    };
    let peak = 0;
    const sampler = setInterval(() => (peak = Math.max(peak, rendersInProgress())), 5);
    try {
      const rendered = await Promise.all(Array.from({ length: 5 }, () => renderSvgCharts([spec])));
      expect(rendered.map(([svg]) => svg.startsWith('<svg'))).toEqual([true, true, true, true, true]);
    } finally {
      clearInterval(sampler);
    }
    expect(peak).toBe(MAX_CONCURRENT_RENDERS);
    expect(rendersInProgress()).toBe(0);
  });
});
