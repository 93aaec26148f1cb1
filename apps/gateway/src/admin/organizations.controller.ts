import { Body, Controller, Delete, Get, HttpCode, Param, Post } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiBody,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiResponse,
  ApiTags,
} from '@nestjs/swagger';
import { Audited } from '../audit/audited';
import { AdminRoute } from '../auth/admin-route';
import { Operator, type OperatorCall } from '../auth/caller';
import { problemResponse, ProblemResponses } from '../openapi/problem-responses';
import {
  ApiKeyParams,
  ApiKeyView,
  CreateOrganizationDto,
  IssueApiKeyDto,
  IssuedApiKeyView,
  OrganizationCodeParam,
  OrganizationView,
  RegisteredOrganizationView,
  SuspendOrganizationDto,
} from './organization.dto';
import { OrganizationsService } from './organizations.service';

@ApiTags('admin')
@ApiBearerAuth('admin-token')
@AdminRoute()
@ProblemResponses(400, 401, 429)
@Controller('v1/admin/organizations')
export class OrganizationsController {
  constructor(private readonly organizations: OrganizationsService) {}

  @Post()
  @Audited('organization.registered', 'organization', null)
  @ApiOperation({
    operationId: 'createOrganization',
    summary: 'Register an organization and issue its first API key (shown once)',
  })
  @ApiCreatedResponse({ type: RegisteredOrganizationView })
  @ProblemResponses(409)
  register(
    @Operator() operator: OperatorCall,
    @Body() dto: CreateOrganizationDto,
  ): Promise<RegisteredOrganizationView> {
    return this.organizations.register(operator, dto);
  }

  @Get()
  @Audited('organization.listed', 'organization', null)
  @ApiOperation({ operationId: 'listOrganizations', summary: 'List organizations' })
  @ApiOkResponse({ type: [OrganizationView] })
  list(@Operator() _operator: OperatorCall): Promise<OrganizationView[]> {
    return this.organizations.list();
  }

  @Post(':code/suspend')
  @Audited('organization.suspended', 'organization', 'code')
  @HttpCode(200)
  @ApiOperation({
    operationId: 'suspendOrganization',
    summary: 'Suspend an organization: its keys get 403, nothing new is matched or sent to it',
    description:
      'At once on every gateway, router and notifier: its API keys are answered 403 `organization-suspended`, ' +
      'its subscriptions match nothing, its pending webhook deliveries are cancelled (`organization-suspended` ' +
      'in its delivery log) and its stream credentials lose their ACLs. Keys, subscriptions and credentials ' +
      'are kept for reinstatement. Suspending a suspended organization changes nothing (200) and applies the ' +
      "brokers' part again.",
  })
  @ApiOkResponse({ type: OrganizationView })
  @ApiResponse({
    status: 503,
    description:
      'Suspended, but the brokers did not withdraw its stream access (or stream access is not configured): repeat the request',
    content: problemResponse(503).content,
  })
  @ProblemResponses(404)
  suspend(
    @Operator() operator: OperatorCall,
    @Param() params: OrganizationCodeParam,
    @Body() dto: SuspendOrganizationDto,
  ): Promise<OrganizationView> {
    return this.organizations.suspend(operator, params.code, dto);
  }

  @Post(':code/reinstate')
  @Audited('organization.reinstated', 'organization', 'code')
  @HttpCode(200)
  @ApiOperation({
    operationId: 'reinstateOrganization',
    summary: 'End a suspension: keys, subscriptions and stream credentials work again',
    description:
      'What was cancelled or not matched while suspended is not replayed. Reinstating an active organization ' +
      'changes nothing (200).',
  })
  @ApiOkResponse({ type: OrganizationView })
  @ApiResponse({
    status: 503,
    description:
      'Reinstated, but the brokers did not restore its stream access (or stream access is not configured): repeat the request',
    content: problemResponse(503).content,
  })
  @ProblemResponses(404)
  reinstate(
    @Operator() operator: OperatorCall,
    @Param() params: OrganizationCodeParam,
  ): Promise<OrganizationView> {
    return this.organizations.reinstate(operator, params.code);
  }

  @Get(':code/api-keys')
  @Audited('api-key.listed', 'organization', 'code')
  @ApiOperation({ operationId: 'listApiKeys', summary: "List an organization's API keys (prefixes only)" })
  @ApiOkResponse({ type: [ApiKeyView] })
  @ProblemResponses(404)
  listKeys(
    @Operator() _operator: OperatorCall,
    @Param() params: OrganizationCodeParam,
  ): Promise<ApiKeyView[]> {
    return this.organizations.listKeys(params.code);
  }

  @Post(':code/api-keys')
  @Audited('api-key.issued', 'organization', 'code')
  @ApiOperation({
    operationId: 'issueApiKey',
    summary: 'Issue another API key (shown once), e.g. to rotate keys',
    description:
      'Optionally read-only (`scope: read`) and expiring (`expiresAt`). Without a body: a read-write key ' +
      'that never expires. To rotate: issue a new key, move the national system to it, then revoke the old one.',
  })
  @ApiBody({ type: IssueApiKeyDto, required: false })
  @ApiCreatedResponse({ type: IssuedApiKeyView })
  @ProblemResponses(404)
  issueKey(
    @Operator() operator: OperatorCall,
    @Param() params: OrganizationCodeParam,
    @Body() dto: IssueApiKeyDto,
  ): Promise<IssuedApiKeyView> {
    return this.organizations.issueKey(operator, params.code, dto);
  }

  @Delete(':code/api-keys/:keyId')
  @Audited('api-key.revoked', 'api-key', 'keyId')
  @HttpCode(204)
  @ApiOperation({ operationId: 'revokeApiKey', summary: 'Revoke an API key; it stops working at once' })
  @ApiNoContentResponse()
  @ProblemResponses(404)
  revokeKey(@Operator() operator: OperatorCall, @Param() params: ApiKeyParams): Promise<void> {
    return this.organizations.revokeKey(operator, params.code, params.keyId);
  }
}
