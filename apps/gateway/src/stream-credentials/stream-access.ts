import type { StreamAccessControl } from '@hub/messaging';

export const STREAM_ACCESS = Symbol('STREAM_ACCESS');

/**
 * What the gateway needs to issue stream credentials: the access control on the brokers (as the
 * stream-admin principal, used by these routes only) and what a consumer is told to connect to.
 * Null when the hub is not configured for stream consumers (no KAFKA_EXTERNAL_BOOTSTRAP).
 */
export interface StreamAccess {
  control: Pick<StreamAccessControl, 'grant' | 'revoke' | 'withdraw' | 'restore'>;
  bootstrapServers: string[];
  caCertificate: string | null;
}
