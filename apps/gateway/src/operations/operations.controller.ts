import { Body, Controller, Get, HttpCode, Param, Patch, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import {
  OPERATION_CODE_PATTERN,
  OPERATION_ROLES,
  OPERATION_STATUSES,
  OPERATION_TEMPLATE_FIELDS,
  type OperationView,
} from '@hub/contracts';
import { Audited } from '../audit/audited';
import { Caller, type CallerOrganization } from '../auth/caller';
import { ProblemResponses } from '../openapi/problem-responses';
import { OperationCodeParam } from './operation-code.param';
import { OperationsService } from './operations.service';

const ref = (name: string): { $ref: string } => ({ $ref: `#/components/schemas/${name}` });
const DATE_TIME = { type: 'string', format: 'date-time' };
const VIEW = {
  type: 'object',
  required: [
    'code',
    'name',
    'description',
    'period',
    'phases',
    'participants',
    'status',
    'createdAt',
    'updatedAt',
    'closedAt',
  ],
  properties: {
    code: { type: 'string', pattern: OPERATION_CODE_PATTERN.source },
    name: { type: 'string' },
    description: { type: 'string' },
    period: ref('OperationPeriod'),
    phases: { type: 'array', items: ref('OperationPhase') },
    participants: {
      type: 'array',
      items: {
        type: 'object',
        required: ['organization', 'role'],
        properties: {
          organization: { type: 'string' },
          role: { type: 'string', enum: [...OPERATION_ROLES] },
        },
      },
    },
    scope: ref('OperationScope'),
    template: {
      type: 'object',
      required: ['required'],
      properties: {
        required: { type: 'array', items: { type: 'string', enum: Object.keys(OPERATION_TEMPLATE_FIELDS) } },
      },
    },
    status: {
      type: 'string',
      enum: [...OPERATION_STATUSES],
      description:
        'From the clock and closing: planned before the period, active within it, closed after it or once closed',
    },
    createdAt: DATE_TIME,
    updatedAt: DATE_TIME,
    closedAt: { type: ['string', 'null'], format: 'date-time' },
  },
};
const VIEW_CONTENT = { 'application/json': { schema: VIEW } };

@ApiTags('operations')
@ApiBearerAuth('api-key')
@ProblemResponses(401, 429)
@Controller('v1/operations')
export class OperationsController {
  constructor(private readonly operations: OperationsService) {}

  @Post()
  @Audited('operation.created', 'operation', null)
  @ApiOperation({
    operationId: 'createOperation',
    summary: 'Create a joint operation (the secretariat)',
    description:
      'A period, phases within it, registered participants (coordinator, participant or observer), an optional scope and a template of fields its records must fill. Its status follows the clock: planned, active, closed.',
  })
  @ApiBody({ schema: ref('NewOperation') })
  @ApiResponse({ status: 201, description: 'Created', content: VIEW_CONTENT })
  @ProblemResponses(400, 403, 409, 413, 415)
  create(@Caller() caller: CallerOrganization, @Body() body: unknown): Promise<OperationView> {
    return this.operations.create(caller, body);
  }

  @Get()
  @Audited('operation.listed', 'operation', null)
  @ApiOperation({
    operationId: 'listOperations',
    summary: 'The operations the caller takes part in (the secretariat: all), by code',
  })
  @ApiResponse({
    status: 200,
    description: 'Operations',
    content: { 'application/json': { schema: { type: 'array', items: VIEW } } },
  })
  list(@Caller() caller: CallerOrganization): Promise<OperationView[]> {
    return this.operations.list(caller);
  }

  @Get(':code')
  @Audited('operation.read', 'operation', 'code')
  @ApiOperation({
    operationId: 'getOperation',
    summary: 'An operation the caller takes part in (the secretariat: any)',
  })
  @ApiResponse({ status: 200, description: 'The operation', content: VIEW_CONTENT })
  @ProblemResponses(400, 404)
  read(@Caller() caller: CallerOrganization, @Param() params: OperationCodeParam): Promise<OperationView> {
    return this.operations.read(caller, params.code);
  }

  @Patch(':code')
  @Audited('operation.updated', 'operation', 'code')
  @ApiOperation({
    operationId: 'updateOperation',
    summary: 'Change an operation: participants, period end, phases',
    description:
      'The secretariat renames, extends the period, adds and removes participants; coordinators and the secretariat replace the phases. A removed participant reads nothing new from the commit on (nothing delivered is recalled).',
  })
  @ApiBody({ schema: ref('OperationUpdate') })
  @ApiResponse({ status: 200, description: 'The operation as changed', content: VIEW_CONTENT })
  @ProblemResponses(400, 403, 404, 409, 413, 415)
  update(
    @Caller() caller: CallerOrganization,
    @Param() params: OperationCodeParam,
    @Body() body: unknown,
  ): Promise<OperationView> {
    return this.operations.update(caller, params.code, body);
  }

  @Post(':code/close')
  @HttpCode(200)
  @Audited('operation.closed', 'operation', 'code')
  @ApiOperation({
    operationId: 'closeOperation',
    summary: 'Close an operation (the secretariat)',
    description:
      'From then on records naming it are refused (409 operation-not-active); its records stay readable to its participants. Closing again changes nothing.',
  })
  @ApiResponse({ status: 200, description: 'The operation, closed', content: VIEW_CONTENT })
  @ProblemResponses(400, 403, 404)
  close(@Caller() caller: CallerOrganization, @Param() params: OperationCodeParam): Promise<OperationView> {
    return this.operations.close(caller, params.code);
  }
}
