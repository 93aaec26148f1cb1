import { MAX_JSON_DEPTH, parseJsonBody } from './json-body';
import { ProblemException } from './problem-details';

function refusal(body: Buffer | string): { pointer: string; detail: string } {
  try {
    parseJsonBody(typeof body === 'string' ? Buffer.from(body, 'utf8') : body);
  } catch (error) {
    expect(error).toBeInstanceOf(ProblemException);
    const { pointer, detail } = (error as ProblemException).errors![0];
    return { pointer, detail };
  }
  throw new Error('accepted');
}

describe(parseJsonBody.name, () => {
  it('reads UTF-8 JSON, skipping a byte order mark; an empty body is no body', () => {
    expect(parseJsonBody(Buffer.from('{"title":"Zoll 关税"}'))).toEqual({ title: 'Zoll 关税' });
    expect(parseJsonBody(Buffer.from('\ufeff[1]'))).toEqual([1]);
    expect(parseJsonBody(Buffer.alloc(0))).toBeUndefined();
  });

  it('refuses bytes that are not UTF-8 and text that is not JSON, naming the body', () => {
    expect(refusal(Buffer.from([0x7b, 0x22, 0xff, 0x22, 0x7d]))).toEqual({
      pointer: '',
      detail: 'the body is not valid UTF-8',
    });
    expect(refusal(Buffer.from([0x22, 0xed, 0xa0, 0x80, 0x22]))).toMatchObject({ pointer: '' });
    expect(refusal('{"a": 1,}')).toEqual({ pointer: '', detail: 'the body is not valid JSON' });
    expect(refusal('   ')).toMatchObject({ pointer: '' });
  });

  it.each([
    ['{"route": {"__proto__": {"x": 1}}}', '/route/__proto__'],
    ['{"constructor": {"prototype": {}}}', '/constructor'],
    ['{"commodities": [{"hasOwnProperty": 1}]}', '/commodities/0/hasOwnProperty'],
    ['{"a.b": {"toString": "x"}}', '/a.b/toString'],
    ['{"code": "x", "prototype": {}}', '/prototype'],
  ])('refuses prototype keys where they are: %s', (body, pointer) => {
    expect(refusal(body)).toEqual({ pointer, detail: 'is not allowed' });
  });

  it('refuses nesting deeper than the limit at the place it goes too deep, without recursing', () => {
    expect(
      parseJsonBody(Buffer.from(`${'['.repeat(MAX_JSON_DEPTH)}${']'.repeat(MAX_JSON_DEPTH)}`)),
    ).toBeDefined();
    const deep = `{"title":${'['.repeat(100_000)}${']'.repeat(100_000)}}`;
    expect(refusal(deep).pointer).toBe(`/title${'/0'.repeat(MAX_JSON_DEPTH - 1)}`);
  });
});
