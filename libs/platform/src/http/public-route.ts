import { SetMetadata } from '@nestjs/common';

export const PUBLIC_ROUTE = 'hub:public-route';

/** Marks a route that needs no credentials (health, metrics, docs). Every other route is guarded. */
export const PublicRoute = (): MethodDecorator & ClassDecorator => SetMetadata(PUBLIC_ROUTE, true);
