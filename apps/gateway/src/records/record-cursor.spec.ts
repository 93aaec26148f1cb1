import { ProblemException } from '@hub/platform';
import { decodeCursor, encodeCursor } from './record-cursor';

const ID = '7d0d8a4e-2a44-4b61-9a52-0d7b8c7f4e11';
const cursorOf = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');

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
    // Instants JavaScript can hold but PostgreSQL cannot: the query failed with a 500.
    cursorOf({ t: '-271821-04-20T00:00:00.000Z', i: ID }),
    cursorOf({ t: '+275760-09-13T00:00:00.000Z', i: ID }),
    // Not as encodeCursor writes them.
    cursorOf({ t: '2026-02-30T00:00:00.000Z', i: ID }),
    cursorOf({ t: '2026-01-01', i: ID }),
    cursorOf({ t: '2026-01-01T00:00:00.000Z', i: ID.toUpperCase() }),
    cursorOf({ t: '2026-01-01T00:00:00.000Z', i: ID, more: 1 }),
    `${cursorOf({ t: '2026-01-01T00:00:00.000Z', i: ID })}=`,
  ])('rejects %p with a problem naming the cursor', (cursor) => {
    expect(() => decodeCursor(cursor)).toThrow(ProblemException);
    try {
      decodeCursor(cursor);
    } catch (error) {
      expect((error as ProblemException).errors?.[0].field).toBe('cursor');
    }
  });
});
