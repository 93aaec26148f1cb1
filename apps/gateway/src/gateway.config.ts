import { IsBoolean, IsInt, IsOptional, IsString, Matches, Max, Min, MinLength } from 'class-validator';
import { EnvBoolean, HubServiceConfig } from '@hub/platform';

export class GatewayConfig extends HubServiceConfig {
  @IsInt()
  @Min(1)
  @Max(65535)
  PORT: number = 3000;

  @IsString()
  HOST: string = '0.0.0.0';

  /** Bootstrap credential for /v1/admin. Secret: long and random. */
  @IsString()
  @MinLength(24, { message: 'HUB_ADMIN_TOKEN must be at least 24 characters' })
  HUB_ADMIN_TOKEN!: string;

  /** Largest accepted request body. */
  @IsInt()
  @Min(1024)
  @Max(16 * 1024 * 1024)
  BODY_LIMIT_BYTES: number = 1024 * 1024;

  /** Where the committed OpenAPI document is written when set (used by `npm run openapi`). */
  @IsOptional()
  @IsString()
  OPENAPI_OUTPUT?: string;

  /** Key (32 bytes, base64) that encrypts webhook signing secrets at rest; shared with the notifier. Secret. */
  @IsString()
  @Matches(/^[A-Za-z0-9+/]{43}=$/, { message: 'HUB_SECRET_KEY must be 32 bytes, base64-encoded' })
  HUB_SECRET_KEY!: string;

  /** Accept webhook URLs on loopback or private addresses (local receivers, tests); never in production. */
  @EnvBoolean()
  @IsBoolean({ message: 'WEBHOOK_ALLOW_PRIVATE_TARGETS must be true or false' })
  WEBHOOK_ALLOW_PRIVATE_TARGETS: boolean = false;
}
