import { Controller, Delete, Get, HttpCode, Param, Post } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiResponse,
  ApiTags,
} from '@nestjs/swagger';
import { OrganizationCodeParam } from '../admin/organization.dto';
import { Audited } from '../audit/audited';
import { AdminRoute } from '../auth/admin-route';
import { Operator, type OperatorCall } from '../auth/caller';
import { ProblemResponses } from '../openapi/problem-responses';
import {
  IssuedStreamCredentialView,
  StreamCredentialParams,
  StreamCredentialView,
} from './stream-credential.dto';
import { StreamCredentialsService } from './stream-credentials.service';

const PROBLEM = { 'application/problem+json': { schema: { $ref: '#/components/schemas/ProblemDocument' } } };

@ApiTags('admin')
@ApiBearerAuth('admin-token')
@AdminRoute()
@ProblemResponses(400, 401, 404, 429)
@Controller('v1/admin/organizations/:code/stream-credentials')
export class StreamCredentialsController {
  constructor(private readonly credentials: StreamCredentialsService) {}

  @Post()
  @Audited('stream-credential.issued', 'organization', 'code')
  @ApiOperation({
    operationId: 'issueStreamCredential',
    summary:
      'Issue a Kafka credential (SASL/SCRAM over TLS) to read the regional streams (password shown once)',
    description:
      "A RILO may read its region's stream, a member its country's region's stream, the secretariat all six; " +
      'consumer groups only under `<code>.`. Nothing else: no canonical, dead-letter or other topic, no writes.',
  })
  @ApiCreatedResponse({ type: IssuedStreamCredentialView })
  @ApiResponse({
    status: 422,
    description:
      'The organization may read no regional stream (a partner agency): problem+json naming `kind`',
    content: PROBLEM,
  })
  @ApiResponse({
    status: 503,
    description:
      'Stream credentials are not configured on this hub, or the brokers did not answer; nothing issued',
    content: PROBLEM,
  })
  issue(
    @Operator() operator: OperatorCall,
    @Param() params: OrganizationCodeParam,
  ): Promise<IssuedStreamCredentialView> {
    return this.credentials.issue(operator, params.code);
  }

  @Get()
  @Audited('stream-credential.listed', 'organization', 'code')
  @ApiOperation({
    operationId: 'listStreamCredentials',
    summary: "List an organization's stream credentials (never a password)",
  })
  @ApiOkResponse({ type: [StreamCredentialView] })
  list(
    @Operator() _operator: OperatorCall,
    @Param() params: OrganizationCodeParam,
  ): Promise<StreamCredentialView[]> {
    return this.credentials.list(params.code);
  }

  @Delete(':username')
  @Audited('stream-credential.revoked', 'stream-credential', 'username')
  @HttpCode(204)
  @ApiOperation({
    operationId: 'revokeStreamCredential',
    summary:
      'Revoke a stream credential: new connections are refused at once, open sessions lose their ACLs at once and are closed by the next re-authentication',
  })
  @ApiNoContentResponse()
  @ApiResponse({
    status: 503,
    description:
      'Stream credentials are not configured on this hub, or the brokers did not answer; nothing revoked',
    content: PROBLEM,
  })
  revoke(@Operator() operator: OperatorCall, @Param() params: StreamCredentialParams): Promise<void> {
    return this.credentials.revoke(operator, params.code, params.username);
  }
}
