import { runService } from '@hub/service';
import { RouterConfig } from './router.config';
import { RouterModule } from './router.module';

runService(RouterModule, {
  name: 'router',
  config: RouterConfig,
  port: 'ROUTER_PORT',
  listening: 'router consuming the canonical topics; health and metrics served',
});
