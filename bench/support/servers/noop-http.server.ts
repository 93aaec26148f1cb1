import 'reflect-metadata';
import { Controller, Get, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ExpressAdapter } from '@nestjs/platform-express';
import {
  createHttpService,
  createRootLogger,
  listen,
  type LogLevel,
  ObservabilityModule,
} from '@hub/platform';

/** A route that does nothing, so that only the HTTP stack is measured. */
@Controller()
class NoopController {
  @Get('noop')
  noop(): { ok: true } {
    return { ok: true };
  }
}

@Module({ imports: [ObservabilityModule.forService('bench-noop')], controllers: [NoopController] })
class NoopModule {}

/**
 * `node noop-http.server.js <hub|express> <port>`: the same Nest module either on the hub's HTTP
 * stack (createHttpService: Fastify with request ids, JSON request logs, metrics, problem+json)
 * or on NestJS's default Express adapter.
 */
async function main(): Promise<void> {
  const [adapter, port] = [process.argv[2], Number(process.argv[3])];
  if (adapter === 'hub') {
    const logger = createRootLogger('bench-noop', (process.env.LOG_LEVEL as LogLevel | undefined) ?? 'info');
    await listen(await createHttpService(NoopModule, { logger }), port, '127.0.0.1');
    return;
  }
  if (adapter === 'express') {
    const app = await NestFactory.create(NoopModule, new ExpressAdapter(), { logger: ['error', 'warn'] });
    await app.listen(port, '127.0.0.1');
    return;
  }
  throw new Error('usage: noop-http.server.js hub|express <port>');
}

main().catch((error: unknown) => {
  process.stderr.write(`${String(error)}\n`);
  process.exit(1);
});
