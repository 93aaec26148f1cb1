import { reportRendering } from './report-negotiation';

describe(reportRendering.name, () => {
  it.each([
    [undefined, 'json'],
    ['', 'json'],
    ['*/*', 'json'],
    ['application/json', 'json'],
    ['text/csv', 'csv'],
    ['TEXT/CSV; charset=utf-8', 'csv'],
    ['text/html', 'html'],
    ['text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8', 'html'],
    ['text/*', 'html'],
    ['text/csv;q=0, text/*', 'html'],
    ['application/json;q=0.5, text/csv', 'csv'],
    ['text/csv;q=0.4, text/html;q=0.6', 'html'],
    ['application/xml', 'not-acceptable'],
    ['image/png, application/pdf', 'not-acceptable'],
    ['application/json;q=0', 'not-acceptable'],
    ['*/*;q=0', 'not-acceptable'],
    ['garbage', 'not-acceptable'],
  ])('%s -> %s', (accept, rendering) => {
    expect(reportRendering(accept)).toBe(rendering);
  });
});
