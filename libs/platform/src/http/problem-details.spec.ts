import { fieldToPointer, ProblemException, problemField } from './problem-details';

describe('problem details', () => {
  it('turns field paths into JSON pointers', () => {
    expect(fieldToPointer('commodities[0].hsCode')).toBe('/commodities/0/hsCode');
    expect(fieldToPointer('route.transit[2]')).toBe('/route/transit/2');
    expect(fieldToPointer('a/b')).toBe('/a~1b');
    expect(fieldToPointer('')).toBe('');
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
