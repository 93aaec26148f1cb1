import { ProblemException } from '@hub/platform';
import { decodeAuditCursor, encodeAuditCursor } from './audit-cursor';

describe('audit cursor', () => {
  it('round-trips a position', () => {
    expect(decodeAuditCursor(encodeAuditCursor({ txId: '812', id: '77' }))).toEqual({
      txId: '812',
      id: '77',
    });
  });

  it.each([
    '',
    'abc',
    Buffer.from('1:x').toString('base64url'),
    Buffer.from('1:2;--').toString('base64url'),
    // Beyond bigint: the query failed with a 500.
    Buffer.from('99999999999999999999:1').toString('base64url'),
    Buffer.from('1:9223372036854775808').toString('base64url'),
    `${Buffer.from('1:2').toString('base64url')}=`,
  ])('rejects %p naming the parameter', (cursor) => {
    expect(() => decodeAuditCursor(cursor)).toThrow(ProblemException);
    try {
      decodeAuditCursor(cursor);
    } catch (error) {
      expect((error as ProblemException).errors?.[0].field).toBe('cursor');
    }
  });
});
