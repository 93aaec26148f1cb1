import { Writable } from 'node:stream';
import { createRootLogger, HubLogger } from './hub-logger';

function capture(): { lines: () => Record<string, unknown>[]; stream: Writable } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk.toString('utf8'));
      done();
    },
  });
  const lines = (): Record<string, unknown>[] =>
    chunks
      .join('')
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  return { lines, stream };
}

/** Shaped like TypeORM's QueryFailedError: the driver's error plus the statement and its parameters. */
class QueryFailedError extends Error {
  constructor(
    readonly query: string,
    readonly parameters: unknown[],
  ) {
    super('duplicate key value violates unique constraint');
  }
}

describe(HubLogger.name, () => {
  it('redacts credentials and secrets wherever a caller puts them', () => {
    const { lines, stream } = capture();
    const logger = createRootLogger('gateway', 'trace', 'test', stream);
    logger.info({
      req: { headers: { authorization: 'Bearer chub_secret-key' } },
      apiKey: 'chub_other',
      subscription: { secret: 'whsec_abc', password: 'pw' },
    });
    const [line] = lines();
    expect(JSON.stringify(line)).not.toMatch(/chub_secret-key|chub_other|whsec_abc|"pw"/);
    expect(line.apiKey).toBe('[redacted]');
  });

  it('keeps the parameters of a failed statement out of the log, through the Nest logger too', () => {
    const { lines, stream } = capture();
    const logger = new HubLogger(createRootLogger('gateway', 'trace', 'test', stream));
    const error = new QueryFailedError('INSERT INTO subscriptions VALUES ($1, $2)', [
      'id',
      'sealed-secret-value',
    ]);
    logger.error({ msg: 'request failed', reqId: 'r-1', err: error });
    logger.error(error);
    const logged = lines();
    expect(logged).toHaveLength(2);
    for (const line of logged) {
      expect(JSON.stringify(line)).not.toContain('sealed-secret-value');
      expect(JSON.stringify(line)).toContain('duplicate key value');
    }
  });
});
