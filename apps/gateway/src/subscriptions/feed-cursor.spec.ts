import { ProblemException } from '@hub/platform';
import { decodeFeedCursor, encodeFeedCursor } from './feed-cursor';

describe('feed cursor', () => {
  it('round-trips a position', () => {
    expect(decodeFeedCursor(encodeFeedCursor({ txId: '9087', id: '42' }))).toEqual({
      txId: '9087',
      id: '42',
    });
  });

  it.each([
    '',
    'abc',
    Buffer.from('1:x').toString('base64url'),
    Buffer.from("1:2' OR 1=1").toString('base64url'),
  ])('rejects %p naming the parameter', (cursor) => {
    expect(() => decodeFeedCursor(cursor)).toThrow(ProblemException);
    try {
      decodeFeedCursor(cursor);
    } catch (error) {
      expect((error as ProblemException).errors?.[0].field).toBe('after');
    }
  });
});
