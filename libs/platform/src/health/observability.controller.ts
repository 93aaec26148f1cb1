import { Controller, Get, Inject, Optional, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { hasOperatorAccess } from '../http/operator-plane';
import { PublicRoute } from '../http/public-route';
import { HubMetrics } from '../metrics/metrics';
import { CachedHealthReport, HEALTH_INDICATORS, READINESS_INDICATORS, type HealthIndicator } from './health';

/**
 * Needs no API key: who may see /health and /metrics is the operator plane's rule
 * (`guardOperatorPlane`), applied before any controller.
 */
@ApiExcludeController()
@PublicRoute()
@Controller()
export class ObservabilityController {
  private readonly detailed: CachedHealthReport;
  private readonly readiness: CachedHealthReport;

  constructor(
    private readonly metrics: HubMetrics,
    @Inject(HEALTH_INDICATORS) indicators: HealthIndicator[],
    @Optional() @Inject(READINESS_INDICATORS) readiness: HealthIndicator[] = [],
  ) {
    this.detailed = new CachedHealthReport(metrics.service, indicators);
    this.readiness = new CachedHealthReport(metrics.service, [
      ...indicators.filter((indicator) => !indicator.advisory),
      ...readiness,
    ]);
  }

  /** 200 when every dependency answers, 503 otherwise; the body names each check (cached briefly). */
  @Get('health')
  async health(@Res() reply: FastifyReply): Promise<void> {
    const report = await this.detailed.report();
    await reply.status(report.status === 'ok' ? 200 : 503).send(report);
  }

  /**
   * Readiness: /health's checks and what the service needs besides (e.g. the launcher's demo set).
   * A probe without operator access gets the verdict only, not the state of each dependency.
   */
  @Get('health/ready')
  async ready(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const report = await this.readiness.report();
    await reply
      .status(report.status === 'ok' ? 200 : 503)
      .send(hasOperatorAccess(request) ? report : { status: report.status, service: report.service });
  }

  /** Liveness: answers as long as the process serves HTTP; checks no dependency (that is /health). */
  @Get('health/live')
  live(): { status: 'ok'; service: string } {
    return { status: 'ok', service: this.metrics.service };
  }

  @Get('metrics')
  async prometheus(@Res() reply: FastifyReply): Promise<void> {
    await reply
      .header('content-type', this.metrics.registry.contentType)
      .send(await this.metrics.registry.metrics());
  }
}
