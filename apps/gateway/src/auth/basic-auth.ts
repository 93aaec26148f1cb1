import { SetMetadata } from '@nestjs/common';

export const BASIC_AUTH_ROUTE = 'hub:basic-auth-route';

/**
 * Routes that also take the organization's API key as the password of HTTP Basic (any user
 * name): common TAXII clients authenticate that way. Every other route takes Bearer only.
 */
export const AcceptsBasicAuth = (): MethodDecorator & ClassDecorator => SetMetadata(BASIC_AUTH_ROUTE, true);
