import { Body, Controller, Delete, Get, HttpCode, Param, Post } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { AdminRoute } from '../auth/admin-route';
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
@ProblemResponses(400, 401)
@Controller('v1/admin/organizations')
export class OrganizationsController {
  constructor(private readonly organizations: OrganizationsService) {}

  @Post()
  @ApiOperation({
    operationId: 'createOrganization',
    summary: 'Register an organization and issue its first API key (shown once)',
  })
  @ApiCreatedResponse({ type: RegisteredOrganizationView })
  @ProblemResponses(409)
  register(@Body() dto: CreateOrganizationDto): Promise<RegisteredOrganizationView> {
    return this.organizations.register(dto);
  }

  @Get()
  @ApiOperation({ operationId: 'listOrganizations', summary: 'List organizations' })
  @ApiOkResponse({ type: [OrganizationView] })
  list(): Promise<OrganizationView[]> {
    return this.organizations.list();
  }

  @Get(':code/api-keys')
  @ApiOperation({ operationId: 'listApiKeys', summary: "List an organization's API keys (prefixes only)" })
  @ApiOkResponse({ type: [ApiKeyView] })
  @ProblemResponses(404)
  listKeys(@Param() params: OrganizationCodeParam): Promise<ApiKeyView[]> {
    return this.organizations.listKeys(params.code);
  }

  @Post(':code/api-keys')
  @ApiOperation({
    operationId: 'issueApiKey',
    summary: 'Issue another API key (shown once), e.g. to rotate keys',
  })
  @ApiCreatedResponse({ type: IssuedApiKeyView })
  @ProblemResponses(404)
  issueKey(@Param() params: OrganizationCodeParam): Promise<IssuedApiKeyView> {
    return this.organizations.issueKey(params.code);
  }

  @Delete(':code/api-keys/:keyId')
  @HttpCode(204)
  @ApiOperation({ operationId: 'revokeApiKey', summary: 'Revoke an API key; it stops working at once' })
  @ApiNoContentResponse()
  @ProblemResponses(404)
  revokeKey(@Param() params: ApiKeyParams): Promise<void> {
    return this.organizations.revokeKey(params.code, params.keyId);
  }
}
