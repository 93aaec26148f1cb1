import { parse, type HTMLElement } from 'node-html-parser';
import { buildOperationReport } from './operation-report';
import { escapeHtml, renderReportHtml } from './report-html.renderer';
import { scriptedAlerts, scriptedReportInput } from './scripted-operation.fixture';

function cellsOf(page: HTMLElement, sectionId: string): string[][] {
  return page
    .querySelectorAll(`#${sectionId} tbody tr`)
    .map((row) => row.querySelectorAll('td').map((cell) => cell.text));
}

function rowFor(page: HTMLElement, sectionId: string, first: string): string[] {
  const row = cellsOf(page, sectionId).find((cells) => cells[0] === first);
  if (!row) throw new Error(`no row ${first} in #${sectionId}`);
  return row;
}

describe(renderReportHtml.name, () => {
  it('renders the scripted figures with three server-rendered SVG charts, in English', async () => {
    const html = await renderReportHtml(buildOperationReport(scriptedReportInput()), 'en');
    const page = parse(html);

    expect(page.querySelector('html')?.getAttribute('lang')).toBe('en');
    expect(page.querySelector('h1')?.text).toBe('COSMO III (COSMO-3)');
    expect(page.querySelectorAll('#summary li').map((item) => item.text)).toEqual([
      'Seizures5',
      'Alerts2',
      'Alerts that led to seizures1',
    ]);
    for (const id of ['categories', 'detection-methods', 'phases']) {
      const svg = page.querySelector(`#${id} figure svg`);
      expect(svg).not.toBeNull();
      expect(svg?.querySelectorAll('path').length).toBeGreaterThan(0);
    }
    expect(page.querySelector('#categories svg')?.text).toContain('Nuclear');
    expect(page.querySelector('#detection-methods svg')?.text).toContain('Detector dog');
    expect(page.querySelector('#phases svg')?.text).toContain('Interdiction');
    expect(page.querySelectorAll('script')).toHaveLength(0);

    expect(rowFor(page, 'regions', 'Europe')).toEqual(['Europe', '4']);
    expect(rowFor(page, 'regions', 'East and Southern Africa')).toEqual(['East and Southern Africa', '1']);
    expect(rowFor(page, 'countries', 'Germany (DE)')).toEqual(['Germany (DE)', '2']);
    expect(rowFor(page, 'hs-chapters', '28')).toEqual(['28', '4']);
    expect(page.querySelectorAll('#conveyances th').map((cell) => cell.text)).toEqual([
      'Conveyance',
      'Seizures',
    ]);
    expect(rowFor(page, 'conveyances', 'Express courier')).toEqual(['Express courier', '1']);
    expect(page.querySelectorAll('#location-types th')[0].text).toBe('Location type');
    expect(rowFor(page, 'location-types', 'Land border')).toEqual(['Land border', '1']);
    expect(rowFor(page, 'phases', 'Targeting')).toEqual(['Targeting', '1 May 2026', '31 May 2026', '2']);
    expect(rowFor(page, 'phases', 'Outside the phases')[3]).toBe('1');
    expect(rowFor(page, 'quantities', 'Nuclear')).toEqual(['Nuclear', 'kg', '15']);
    expect(rowFor(page, 'quantities', 'Chemical')).toEqual(['Chemical', 'kg', '5.3']);
    expect(rowFor(page, 'values', 'EUR')).toEqual(['EUR', '€49,150.50']);
    expect(rowFor(page, 'alerts', 'FR-ALERT-2')).toEqual(['FR-ALERT-2', 'fr-customs', '1']);
    expect(cellsOf(page, 'participation')[0]).toEqual(['3', '2', '1']);
    expect(rowFor(page, 'participation', 'ke-kra')).toEqual(['ke-kra', 'participant', '0', '0']);
  });

  it('speaks French: labels, dates and number formats', async () => {
    const html = await renderReportHtml(buildOperationReport(scriptedReportInput()), 'fr');
    const page = parse(html);

    expect(page.querySelector('html')?.getAttribute('lang')).toBe('fr');
    expect(page.querySelector('#summary h2')?.text).toBe('Synthèse');
    expect(page.querySelector('#categories svg')?.text).toContain('Nucléaire');
    expect(page.querySelector('#detection-methods svg')?.text).toContain('Chien détecteur');
    expect(rowFor(page, 'regions', 'Afrique orientale et australe')[1]).toBe('1');
    expect(rowFor(page, 'countries', 'Allemagne (DE)')[1]).toBe('2');
    expect(rowFor(page, 'phases', 'Targeting')).toEqual(['Targeting', '1 mai 2026', '31 mai 2026', '2']);
    expect(rowFor(page, 'quantities', 'Chimique')).toEqual(['Chimique', 'kg', '5,3']);
    expect(rowFor(page, 'values', 'EUR')).toEqual(['EUR', '49\u202f150,50\u00a0€']);
    expect(rowFor(page, 'participation', 'fr-customs')[1]).toBe('coordinateur');
  });

  it('escapes every piece of record-derived text: no markup gets in', async () => {
    const hostile = '<img src=x onerror=alert(1)>"\'&';
    const input = scriptedReportInput();
    const alerts = scriptedAlerts();
    alerts[1] = { ...alerts[1], reference: `${hostile}ref` };
    const operation = {
      ...input.operation,
      name: `${hostile}name`,
      code: `${hostile}code`,
      status: `${hostile}status`,
      phases: [{ ...input.operation.phases[0], name: `${hostile}phase` }],
      participants: [{ organization: `${hostile}org`, role: `${hostile}role` }],
    };
    const report = buildOperationReport({ ...input, operation, alerts });
    const html = await renderReportHtml(report, 'en');
    const page = parse(html);

    expect(html).not.toContain('<img');
    expect(page.querySelectorAll('img')).toHaveLength(0);
    expect(page.querySelectorAll('[onerror]')).toHaveLength(0);
    expect(page.querySelector('h1')?.text).toContain(`${hostile}name`);
    expect(rowFor(page, 'phases', `${hostile}phase`)[3]).toBe('2');
    expect(rowFor(page, 'alerts', `${hostile}ref`)[1]).toBe('fr-customs');
    expect(rowFor(page, 'participation', `${hostile}org`)[1]).toBe(`${hostile}role`);
    // The axis shortens long labels with an ellipsis; what it shows is text, not markup.
    expect(page.querySelector('#phases svg')?.text).toContain('<img src=x onerror=al');
  });

  it('shows withheld records only as a count', async () => {
    const report = buildOperationReport({ ...scriptedReportInput(), withheld: { seizures: 2, alerts: 1 } });
    const page = parse(await renderReportHtml(report, 'en'));

    expect(page.querySelectorAll('#summary li').map((item) => item.text)).toContain('Records withheld3');
  });
});

describe(escapeHtml.name, () => {
  it('escapes the five characters that matter in text and attributes', () => {
    expect(escapeHtml(`<a href="x" title='y'>&</a>`)).toBe(
      '&#60;a href=&#34;x&#34; title=&#39;y&#39;&#62;&#38;&#60;/a&#62;',
    );
  });
});
