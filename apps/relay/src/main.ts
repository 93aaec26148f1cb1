import { runService } from '@hub/service';
import { RelayConfig } from './relay.config';
import { RelayModule } from './relay.module';

runService(RelayModule, {
  name: 'relay',
  config: RelayConfig,
  port: 'RELAY_PORT',
  listening: 'relay publishing the outbox; health and metrics served',
});
