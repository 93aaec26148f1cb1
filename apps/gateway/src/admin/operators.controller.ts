import { Body, Controller, Delete, Get, HttpCode, Param, Post } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { Audited } from '../audit/audited';
import { AdminRoute } from '../auth/admin-route';
import { Operator, type OperatorCall } from '../auth/caller';
import { ProblemResponses } from '../openapi/problem-responses';
import { CreateOperatorDto, IssuedOperatorView, OperatorParams, OperatorView } from './operator.dto';
import { OperatorsService } from './operators.service';

@ApiTags('admin')
@ApiBearerAuth('admin-token')
@AdminRoute()
@ProblemResponses(400, 401, 429)
@Controller('v1/admin/operators')
export class OperatorsController {
  constructor(private readonly operators: OperatorsService) {}

  @Post()
  @Audited('operator.issued', 'operator', null)
  @ApiOperation({
    operationId: 'issueOperator',
    summary: 'Issue a named operator its personal admin token (shown once)',
    description:
      'The audit trail then names that operator (`operator:<name>`) for each admin action it takes; HUB_ADMIN_TOKEN acts as `operator:bootstrap`.',
  })
  @ApiCreatedResponse({ type: IssuedOperatorView })
  @ProblemResponses(409)
  issue(@Operator() operator: OperatorCall, @Body() dto: CreateOperatorDto): Promise<IssuedOperatorView> {
    return this.operators.issue(operator, dto.name);
  }

  @Get()
  @Audited('operator.listed', 'operator', null)
  @ApiOperation({ operationId: 'listOperators', summary: 'List the named operators (token prefixes only)' })
  @ApiOkResponse({ type: [OperatorView] })
  list(@Operator() _operator: OperatorCall): Promise<OperatorView[]> {
    return this.operators.list();
  }

  @Delete(':id')
  @Audited('operator.revoked', 'operator', 'id')
  @HttpCode(204)
  @ApiOperation({
    operationId: 'revokeOperator',
    summary: "Revoke an operator's token; it stops working at once",
  })
  @ApiNoContentResponse()
  @ProblemResponses(404)
  revoke(@Operator() operator: OperatorCall, @Param() params: OperatorParams): Promise<void> {
    return this.operators.revoke(operator, params.id);
  }
}
