import {
  fieldToPointer,
  parseField,
  ProblemException,
  problemField,
  problemFieldAt,
} from './problem-details';

describe('problem details', () => {
  it('turns field paths into JSON pointers', () => {
    expect(fieldToPointer('commodities[0].hsCode')).toBe('/commodities/0/hsCode');
    expect(fieldToPointer('route.transit[2]')).toBe('/route/transit/2');
    expect(fieldToPointer('a/b')).toBe('/a~1b');
    expect(fieldToPointer('')).toBe('');
    // A key named `$` is a field like any other, not the body (found by the hostile-input test).
    expect(fieldToPointer('$')).toBe('/$');
    expect(fieldToPointer('$.a')).toBe('/$/a');
    // Keys that are not plain names are quoted in fields, so the pointer stays exact.
    expect(fieldToPointer('delivery["a.b"]')).toBe('/delivery/a.b');
    expect(fieldToPointer('["x[0]"].y["~/"]')).toBe('/x[0]/y/~0~1');
  });

  it('writes fields whose keys are not plain names so that they parse back to the same place', () => {
    for (const path of [
      ['commodities', 0, 'hsCode'],
      ['route', 'a.b'],
      ['', ' ', 'x[0]', 'quote"d', 'ü'],
    ]) {
      const field = problemFieldAt(path, 'x');
      expect(parseField(field.field)).toEqual(path);
      expect(field.pointer).toBe(
        path.map((segment) => `/${String(segment).replace(/~/g, '~0').replace(/\//g, '~1')}`).join(''),
      );
    }
    expect(problemFieldAt(['route', 'a.b'], 'x').field).toBe('route["a.b"]');
  });

  it('renders an RFC 9457 document naming each field', () => {
    const document = ProblemException.invalidRequest([problemField('title', 'must be a string')]).toDocument(
      '/v1/alerts',
      'req-1',
    );
    expect(document).toEqual({
      type: 'https://cosmo-hub.example/problems/invalid-request',
      title: 'Invalid request',
      status: 400,
      detail: 'The request has invalid fields.',
      instance: '/v1/alerts',
      requestId: 'req-1',
      errors: [{ field: 'title', pointer: '/title', detail: 'must be a string' }],
    });
  });
});
