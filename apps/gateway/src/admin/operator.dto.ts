import { ApiProperty } from '@nestjs/swagger';
import { IsString, Matches } from 'class-validator';
import { ResourceId } from '../http/request-parameters';

/** Lowercase letters, digits and hyphens: the audit trail names the operator `operator:<name>`. */
export const OPERATOR_NAME_PATTERN = /^[a-z0-9][a-z0-9-]{1,39}$/;

export class CreateOperatorDto {
  @ApiProperty({
    example: 'a-dupont',
    pattern: OPERATOR_NAME_PATTERN.source,
    description:
      'Who the operator is, as the audit trail names them (`operator:<name>`); one live token per name. `bootstrap` is HUB_ADMIN_TOKEN.',
  })
  @IsString()
  @Matches(OPERATOR_NAME_PATTERN, {
    message: 'name must be 2-40 lowercase letters, digits or hyphens, starting with a letter or digit',
  })
  name!: string;
}

export class OperatorView {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ description: 'First characters of the token, to tell tokens apart.' }) prefix!: string;
  @ApiProperty({ description: 'The operator who issued it (`operator:<name>`).' }) createdBy!: string;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ nullable: true, type: String, format: 'date-time' }) revokedAt!: string | null;
}

export class IssuedOperatorView extends OperatorView {
  @ApiProperty({
    description:
      'The operator’s personal token (`chop_…`), to send as `Authorization: Bearer` to /v1/admin. Shown once: the hub keeps only its SHA-256 digest.',
  })
  token!: string;
}

export class OperatorParams {
  @ResourceId('id')
  id!: string;
}
