import { Writable } from 'node:stream';
import { createRootLogger, HubLogger, resolveLogFormat } from './hub-logger';

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

  it("keeps Nest's start-up chatter for debug, and the service's own lines at info", () => {
    const { lines, stream } = capture();
    const logger = new HubLogger(createRootLogger('gateway', 'info', 'test', stream));
    logger.log('AppModule dependencies initialized', 'InstanceLoader');
    logger.log('Mapped {/v1/alerts, POST} route', 'RouterExplorer');
    logger.log('joined the router group', 'EventRouter');
    expect(lines().map((line) => line.msg)).toEqual(['joined the router group']);
  });
});

describe(resolveLogFormat.name, () => {
  it('is JSON lines unless a person reads the output at a terminal, and LOG_FORMAT decides when set', () => {
    expect(resolveLogFormat(undefined, { isTTY: false })).toBe('json');
    expect(resolveLogFormat(undefined, {})).toBe('json');
    expect(resolveLogFormat(undefined, { isTTY: true })).toBe('pretty');
    expect(resolveLogFormat('json', { isTTY: true })).toBe('json');
    expect(resolveLogFormat('pretty', { isTTY: false })).toBe('pretty');
  });
});

describe('the human log format', () => {
  function text(): { stream: Writable; output: () => string } {
    const chunks: string[] = [];
    const stream = new Writable({
      write(chunk: Buffer, _encoding, done) {
        chunks.push(chunk.toString('utf8'));
        done();
      },
    });
    return { stream, output: () => chunks.join('') };
  }

  it('writes one line per event with the service, the level and a request in a few words, secrets redacted', () => {
    const { stream, output } = text();
    const logger = createRootLogger('gateway', 'info', 'test', stream, 'pretty');
    logger.info(
      {
        req: { method: 'POST', url: '/v1/alerts', headers: { authorization: 'Bearer chub_secret-key' } },
        res: { statusCode: 201 },
        responseTime: 12.4,
        reqId: 'r-1',
      },
      'request completed',
    );
    logger.warn({ step: 'kafka', apiKey: 'chub_other' }, 'still resolving');
    logger.info({ step: 'gateway' }, 'the step of the service itself');
    const lines = output().trimEnd().split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(
      /^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: gateway +request completed POST \/v1\/alerts 201 12 ms .*"reqId":"r-1"/,
    );
    expect(lines[1]).toMatch(/WARN: gateway kafka still resolving/);
    expect(lines[2]).toMatch(/INFO: gateway +the step of the service itself/);
    expect(output()).not.toMatch(/chub_secret-key|chub_other|\{"level"/);
  });
});
