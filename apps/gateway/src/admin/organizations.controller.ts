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
import {
  ApiKeyParams,
  ApiKeyView,
  CreateOrganizationDto,
  IssuedApiKeyView,
  OrganizationCodeParam,
  OrganizationView,
  RegisteredOrganizationView,
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
  })
  @ApiCreatedResponse({ type: IssuedApiKeyView })
  @ProblemResponses(404)
  issueKey(
    @Operator() operator: OperatorCall,
    @Param() params: OrganizationCodeParam,
  ): Promise<IssuedApiKeyView> {
    return this.organizations.issueKey(operator, params.code);
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
