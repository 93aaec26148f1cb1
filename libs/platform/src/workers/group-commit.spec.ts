import { GroupCommitWriter } from './group-commit';

/** A statement the test completes by hand. */
function manualWrites() {
  const statements: { batch: readonly number[]; commit: () => void; fail: (error: Error) => void }[] = [];
  const write = (batch: readonly number[]): Promise<readonly string[]> =>
    new Promise((resolve, reject) =>
      statements.push({ batch, commit: () => resolve(batch.map((n) => `ok ${n}`)), fail: reject }),
    );
  return { write, statements };
}

describe('GroupCommitWriter', () => {
  it('sends a lone item at once and gathers the items that arrive meanwhile into one statement', async () => {
    const { write, statements } = manualWrites();
    const writer = new GroupCommitWriter({ write, maxBatch: 10 });
    const first = writer.add(1);
    const later = [writer.add(2), writer.add(3), writer.add(4)];
    expect(statements.map((statement) => statement.batch)).toEqual([[1]]);
    statements[0].commit();
    await expect(first).resolves.toBe('ok 1');
    expect(statements.map((statement) => statement.batch)).toEqual([[1], [2, 3, 4]]);
    statements[1].commit();
    await expect(Promise.all(later)).resolves.toEqual(['ok 2', 'ok 3', 'ok 4']);
    await writer.idle();
  });

  it('cuts batches at maxBatch and keeps maxInFlight statements on their way', async () => {
    const { write, statements } = manualWrites();
    const writer = new GroupCommitWriter({ write, maxBatch: 2, maxInFlight: 2 });
    const results = [1, 2, 3, 4, 5].map((n) => writer.add(n));
    expect(statements.map((statement) => statement.batch)).toEqual([[1], [2]]);
    expect(writer.pending).toEqual({ queued: 3, inFlight: 2 });
    statements[1].commit();
    await Promise.resolve();
    await Promise.resolve();
    expect(statements.map((statement) => statement.batch)).toEqual([[1], [2], [3, 4]]);
    statements[0].commit();
    await Promise.resolve();
    await Promise.resolve();
    expect(statements.map((statement) => statement.batch)).toEqual([[1], [2], [3, 4], [5]]);
    statements[2].commit();
    statements[3].commit();
    await expect(Promise.all(results)).resolves.toEqual(['ok 1', 'ok 2', 'ok 3', 'ok 4', 'ok 5']);
  });

  it('fails every item of a failed statement', async () => {
    const { write, statements } = manualWrites();
    const writer = new GroupCommitWriter({ write, maxBatch: 10 });
    writer.add(0).catch(() => undefined);
    const batch = [writer.add(1), writer.add(2)];
    statements[0].commit();
    await Promise.resolve();
    await Promise.resolve();
    statements[1].fail(new Error('connection lost'));
    for (const result of batch) await expect(result).rejects.toThrow('connection lost');
  });

  it('with retryAlone, writes a failed batch again item by item so that one bad item fails alone', async () => {
    const written: number[][] = [];
    const writer = new GroupCommitWriter<number, number>({
      write: (batch) => {
        written.push([...batch]);
        return batch.includes(13) ? Promise.reject(new Error('13 refused')) : Promise.resolve(batch);
      },
      maxBatch: 10,
      retryAlone: true,
    });
    const blocker = writer.add(0);
    const results = [12, 13, 14].map((n) => writer.add(n).catch((error: Error) => error.message));
    await blocker;
    await expect(Promise.all(results)).resolves.toEqual([12, '13 refused', 14]);
    expect(written).toEqual([[0], [12, 13, 14], [12], [13], [14]]);
  });

  it('refuses an answer that does not fit its batch', async () => {
    const writer = new GroupCommitWriter<number, number>({ write: () => Promise.resolve([]), maxBatch: 5 });
    await expect(writer.add(1)).rejects.toThrow('a batch of 1 was answered with 0 results');
  });
});
