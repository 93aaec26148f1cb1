import { acceptsTaxii, parseAccept, recordRendering } from './media-type.negotiation';

describe(recordRendering.name, () => {
  it.each([
    [undefined, 'json'],
    ['', 'json'],
    ['application/json', 'json'],
    ['*/*', 'json'],
    ['text/html', 'json'],
    ['application/stix+json;version=2.1', 'stix'],
    ['application/stix+json', 'stix'],
    ['Application/STIX+JSON; version="2.1"', 'stix'],
    ['application/stix+json;version=2.1, application/json;q=0.9', 'stix'],
    ['application/json, application/stix+json;version=2.1;q=0.5', 'json'],
    ['application/stix+json;version=2.1;q=0, application/json', 'json'],
    ['*/*, application/stix+json;version=2.1', 'stix'],
    ['application/stix+json;version=2.0', 'not-acceptable'],
    ['application/stix+json;version=2.0, application/json', 'json'],
  ] as const)('answers Accept %p with %s', (accept, expected) => {
    expect(recordRendering(accept)).toBe(expected);
  });
});

describe(acceptsTaxii.name, () => {
  it.each([
    [undefined, true],
    ['application/taxii+json;version=2.1', true],
    ['application/taxii+json', true],
    ['*/*', true],
    ['application/*', true],
    ['application/taxii+json;version=2.0', false],
    ['application/json', false],
    ['application/taxii+json;version=2.1;q=0', false],
  ] as const)('Accept %p → %p', (accept, expected) => {
    expect(acceptsTaxii(accept)).toBe(expected);
  });

  it('parses parameters and qualities', () => {
    expect(parseAccept('a/b; q=0.3; version=2.1, c/d;q=x')).toEqual([
      { type: 'a/b', parameters: { version: '2.1' }, quality: 0.3 },
      { type: 'c/d', parameters: {}, quality: 0 },
    ]);
  });
});
