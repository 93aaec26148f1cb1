import { ProblemException } from '@hub/platform';
import { decodeCursor, encodeCursor } from './record-cursor';

describe('record cursor', () => {
  it('round-trips a position', () => {
    const position = {
      createdAt: new Date('2026-11-30T01:02:03.456Z'),
      id: '7d0d8a4e-2a44-4b61-9a52-0d7b8c7f4e11',
    };
    expect(decodeCursor(encodeCursor(position))).toEqual(position);
  });

  it.each([
    '',
    'not-base64!',
    Buffer.from('{"t":"x","i":"y"}').toString('base64url'),
    Buffer.from('[]').toString('base64url'),
  ])('rejects %p with a problem naming the cursor', (cursor) => {
    expect(() => decodeCursor(cursor)).toThrow(ProblemException);
    try {
      decodeCursor(cursor);
    } catch (error) {
      expect((error as ProblemException).errors?.[0].field).toBe('cursor');
    }
  });
});
