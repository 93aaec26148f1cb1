import Module from 'node:module';
import * as path from 'node:path';

/**
 * Jest applies its moduleNameMapper to test files, not to the global set-up; the launcher code
 * the set-up starts the broker with imports libs by their @hub/<lib> alias, resolved here the way
 * tsconfig.json's paths do.
 */
const LIBS = path.resolve(__dirname, '..', '..', 'libs');
const ALIAS = /^@hub\/([a-z-]+)$/;
type Resolve = (request: string, ...rest: unknown[]) => string;
const resolver = Module as unknown as { _resolveFilename: Resolve };
const resolve = resolver._resolveFilename;
resolver._resolveFilename = function (this: unknown, request: string, ...rest: unknown[]): string {
  const alias = ALIAS.exec(request);
  return resolve.call(this, alias ? path.join(LIBS, alias[1], 'src', 'index.ts') : request, ...rest);
};
