import { SetMetadata } from '@nestjs/common';

export const ADMIN_ROUTE = 'hub:admin-route';

/** Routes for the hub operator, authorised by HUB_ADMIN_TOKEN rather than an organization's key. */
export const AdminRoute = (): MethodDecorator & ClassDecorator => SetMetadata(ADMIN_ROUTE, true);
