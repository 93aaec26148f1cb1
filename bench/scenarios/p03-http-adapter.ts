import { freePort } from '../support/bench-environment';
import { runLoad } from '../support/load';
import { repeat, type Scenario, summarize } from '../support/scenario';
import { ServiceProcess } from '../support/service-process';

const CONNECTIONS = 64;

export const httpAdapter: Scenario = {
  id: 'P3',
  title: 'HTTP adapter',
  method:
    'One Nest module with one no-op `GET /noop` route, served in two processes: on the hub’s HTTP stack ' +
    '(`createHttpService` from @hub/platform, the one every service uses: Fastify with request ids, JSON request ' +
    'logs at info written to a file, request metrics, problem+json errors) and on NestJS’s default Express adapter ' +
    `(@nestjs/platform-express, no request logging). autocannon, ${CONNECTIONS} connections, 10 s each (3 s in ` +
    '--quick), alternating, after a warm-up.',
  async run(context) {
    const seconds = context.quick ? 3 : 10;
    const servers = await Promise.all(
      (['hub', 'express'] as const).map(async (adapter) => {
        const port = await freePort();
        const url = `http://127.0.0.1:${port}/noop`;
        const process = await ServiceProcess.start(context.environment.distRoot, context.environment.logDir, {
          name: `noop-${adapter}`,
          entry: 'bench/support/servers/noop-http.server.js',
          args: [adapter, String(port)],
          env: { LOG_LEVEL: 'info' },
          healthUrl: url,
        });
        return { process, url };
      }),
    );
    const [hub, express] = servers;
    const load = (url: string, duration: number) =>
      runLoad({
        url,
        method: 'GET',
        connections: CONNECTIONS,
        durationSeconds: duration,
        expectedStatus: 200,
      });
    try {
      await load(hub.url, 2);
      await load(express.url, 2);
      const runs = await repeat(
        context,
        'hub stack vs Express',
        async () => {
          const fastify = await load(hub.url, seconds);
          const baseline = await load(express.url, seconds);
          return { figure: fastify.perSecond, baseline: baseline.perSecond };
        },
        (figures) => `hub ${Math.round(figures.figure)}/s, Express ${Math.round(figures.baseline ?? 0)}/s`,
      );
      return [
        summarize(
          {
            id: 'P3',
            what: 'HTTP adapter: the services’ HTTP stack (Fastify) on a no-op route',
            unit: 'req/s',
            baselineLabel: 'NestJS on Express',
            targets: [{ kind: 'ratio-at-least', value: 1.7 }],
          },
          runs,
          `${CONNECTIONS} connections`,
        ),
      ];
    } finally {
      await Promise.all(servers.map((server) => server.process.stop()));
    }
  },
};
