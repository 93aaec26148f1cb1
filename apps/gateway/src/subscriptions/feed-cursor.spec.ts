import { ProblemException } from '@hub/platform';
import { decodeFeedCursor, encodeFeedCursor } from './feed-cursor';

describe('feed cursor', () => {
  it('round-trips a position, up to the largest bigint', () => {
    const largest = { txId: '9223372036854775807', id: '0' };
    expect(decodeFeedCursor(encodeFeedCursor(largest))).toEqual(largest);
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
    // Out of PostgreSQL's range: the query failed with a 500.
    Buffer.from('99999999999999999999:1').toString('base64url'),
    Buffer.from('1:9223372036854775808').toString('base64url'),
    // Not as encodeFeedCursor writes them.
    Buffer.from('01:2').toString('base64url'),
    Buffer.from('1:2:3').toString('base64url'),
    `${Buffer.from('1:2').toString('base64url')}=`,
    `${Buffer.from('1:2').toString('base64url')}!`,
  ])('rejects %p naming the parameter', (cursor) => {
    expect(() => decodeFeedCursor(cursor)).toThrow(ProblemException);
    try {
      decodeFeedCursor(cursor);
    } catch (error) {
      expect((error as ProblemException).errors?.[0].field).toBe('after');
    }
  });
});
