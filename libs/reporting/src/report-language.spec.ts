import { negotiateReportLanguage } from './report-language';

describe(negotiateReportLanguage.name, () => {
  it.each([
    [undefined, 'en'],
    ['', 'en'],
    ['fr', 'fr'],
    ['fr-CA,fr;q=0.9', 'fr'],
    ['de-DE,fr;q=0.5,en;q=0.4', 'fr'],
    ['en;q=0.8,fr;q=0.9', 'fr'],
    ['fr;q=0.5,en', 'en'],
    ['fr;q=0', 'en'],
    ['es,de', 'en'],
    ['FR-be', 'fr'],
    ['fr;q=abc', 'en'],
  ])('%s -> %s', (header, language) => {
    expect(negotiateReportLanguage(header)).toBe(language);
  });
});
