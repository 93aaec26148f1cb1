import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { NotificationListener, ORGANIZATION_CHANNEL, OrganizationDirectory } from '@hub/persistence';
import { GatewayConfig } from '../gateway.config';

/**
 * Makes a suspension, reinstatement or key revocation made through another gateway apply here at
 * its commit rather than when the remembered keys expire (API_KEY_CACHE_MS): the change's NOTIFY
 * empties this gateway's key cache. Should the LISTEN connection be down, the cache's expiry
 * still bounds the delay.
 */
@Injectable()
export class OrganizationChangeListener implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(OrganizationChangeListener.name);
  private readonly listener: NotificationListener;

  constructor(@Inject(GatewayConfig) config: GatewayConfig, directory: OrganizationDirectory) {
    this.listener = new NotificationListener(
      config.DATABASE_URL,
      ORGANIZATION_CHANNEL,
      () => directory.forgetAll(),
      (error) => this.logger.warn({ msg: 'organization changes: LISTEN connection lost', err: error }),
    );
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.listener.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.listener.stop();
  }
}
