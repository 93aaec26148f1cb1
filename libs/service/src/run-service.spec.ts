import { Module } from '@nestjs/common';
import { IsInt, Max, Min } from 'class-validator';
import {
  ConfigurationError,
  healthIndicators,
  HubServiceConfig,
  ObservabilityController,
  ObservabilityModule,
} from '@hub/platform';
import { startService } from './run-service';

class ProbeConfig extends HubServiceConfig {
  @IsInt()
  @Min(0)
  @Max(65535)
  PROBE_PORT: number = 3999;
}

@Module({
  imports: [ObservabilityModule.forService('probe')],
  controllers: [ObservabilityController],
  providers: [healthIndicators()],
})
class ProbeModule {}

const launch = {
  name: 'probe',
  config: ProbeConfig,
  port: 'PROBE_PORT' as const,
  listening: 'probe listening',
};

describe(startService.name, () => {
  it('listens on the port and address its configuration names, and serves the module', async () => {
    const started = await startService(ProbeModule, launch, {
      PROBE_PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'silent',
    });
    try {
      expect(started.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(started.config.PROBE_PORT).toBe(0);
      const response = await fetch(`${started.url}/health/live`);
      expect(await response.json()).toEqual({ status: 'ok', service: 'probe' });
    } finally {
      await started.app.close();
    }
  });

  it("serves a worker's /metrics and /health openly on its management port, or only with METRICS_TOKEN once set", async () => {
    const base = { PROBE_PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent' };
    const open = await startService(ProbeModule, launch, base);
    try {
      for (const path of ['/metrics', '/health'])
        expect({ path, status: (await fetch(`${open.url}${path}`)).status }).toEqual({ path, status: 200 });
    } finally {
      await open.app.close();
    }
    const token = 'metrics-token-of-at-least-24-chars';
    const guarded = await startService(ProbeModule, launch, { ...base, METRICS_TOKEN: token });
    try {
      for (const path of ['/metrics', '/health']) {
        const refused = await fetch(`${guarded.url}${path}`, { headers: { authorization: 'Bearer wrong' } });
        expect({ path, status: refused.status }).toEqual({ path, status: 401 });
        const allowed = await fetch(`${guarded.url}${path}`, {
          headers: { authorization: `Bearer ${token}` },
        });
        expect({ path, status: allowed.status }).toEqual({ path, status: 200 });
      }
      // Liveness stays open to any probe.
      expect((await fetch(`${guarded.url}/health/live`)).status).toBe(200);
    } finally {
      await guarded.app.close();
    }
  });

  it('refuses to start on a bad variable, naming it', async () => {
    await expect(startService(ProbeModule, launch, { PROBE_PORT: '70000' })).rejects.toThrow(
      ConfigurationError,
    );
  });
});
