import { IsInt, IsOptional, IsString, Max, Min, MinLength } from 'class-validator';
import { HubServiceConfig } from '@hub/platform';

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
}
