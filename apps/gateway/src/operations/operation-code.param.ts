import { ApiProperty } from '@nestjs/swagger';
import { Matches } from 'class-validator';
import { OPERATION_CODE_PATTERN } from '@hub/contracts';

/** The `{code}` path parameter of an operation's routes: checked before any query runs. */
export class OperationCodeParam {
  @ApiProperty({ pattern: OPERATION_CODE_PATTERN.source, example: 'COSMO-3', description: 'Operation code' })
  @Matches(OPERATION_CODE_PATTERN, { message: 'code must be an operation code' })
  code!: string;
}
