import { randomBytes } from 'node:crypto';
import { HttpStatus, Inject, Injectable, Logger } from '@nestjs/common';
import { isRegionCode } from '@hub/contracts';
import { planStreamAccess, type ReaderProfile } from '@hub/matching';
import {
  type AuditEntry,
  OrganizationDirectory,
  type OrganizationEntity,
  type StreamCredentialEntity,
  StreamCredentialRegistry,
} from '@hub/persistence';
import { ProblemException, problemField } from '@hub/platform';
import { operatorActor, requestTrace } from '../audit/audit-actor';
import type { OperatorCall } from '../auth/caller';
import { STREAM_ACCESS, type StreamAccess } from './stream-access';
import type { IssuedStreamCredentialView, StreamCredentialView } from './stream-credential.dto';

const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567';

/** `stream-<code>-<10 characters, 50 random bits>`: unique enough to name a principal, never a secret. */
export function streamUsername(code: string): string {
  const suffix = [...randomBytes(10)].map((byte) => BASE32[byte & 31]).join('');
  return `stream-${code}-${suffix}`;
}

function readerOf(organization: OrganizationEntity): ReaderProfile {
  return {
    code: organization.code,
    kind: organization.kind,
    ...(organization.country ? { country: organization.country } : {}),
    ...(organization.region && isRegionCode(organization.region) ? { region: organization.region } : {}),
  };
}

function credentialView(credential: StreamCredentialEntity): StreamCredentialView {
  return {
    username: credential.username,
    mechanism: credential.mechanism,
    topics: credential.topics,
    groupPrefix: credential.groupPrefix,
    createdAt: credential.createdAt.toISOString(),
    createdBy: credential.createdBy,
    revokedAt: credential.revokedAt ? credential.revokedAt.toISOString() : null,
    revokedBy: credential.revokedBy,
  };
}

function brokersUnavailable(detail: string): ProblemException {
  return new ProblemException(
    HttpStatus.SERVICE_UNAVAILABLE,
    'stream-access-unavailable',
    'Service unavailable',
    detail,
  );
}

/** Kafka credentials for the regional streams: granted on the brokers, recorded (never the password) and audited. */
@Injectable()
export class StreamCredentialsService {
  private readonly logger = new Logger(StreamCredentialsService.name);

  constructor(
    private readonly directory: OrganizationDirectory,
    private readonly registry: StreamCredentialRegistry,
    @Inject(STREAM_ACCESS) private readonly access: StreamAccess | null,
  ) {}

  async issue(operator: OperatorCall, code: string): Promise<IssuedStreamCredentialView> {
    const organization = await this.require(code);
    if (organization.status === 'suspended')
      throw ProblemException.conflict(
        `${code} is suspended: reinstate it before issuing a stream credential.`,
      );
    const username = streamUsername(code);
    const plan = planStreamAccess(readerOf(organization), username);
    if (!plan.granted) {
      throw new ProblemException(
        HttpStatus.UNPROCESSABLE_ENTITY,
        'no-regional-stream',
        'No regional stream for this organization',
        `${code} may not be given a stream credential.`,
        [problemField(plan.field, plan.reason)],
      );
    }
    const access = this.configured();
    const password = randomBytes(32).toString('base64url');
    try {
      await access.control.grant(username, password, plan.acls);
    } catch (error) {
      this.logger.error({ msg: 'granting a stream credential failed', username, err: error });
      throw brokersUnavailable('The brokers did not grant the credential; nothing was issued. Try again.');
    }
    let saved: StreamCredentialEntity;
    try {
      saved = await this.registry.record(
        {
          username,
          organizationId: organization.id,
          topics: plan.topics,
          groupPrefix: plan.groupPrefix,
          createdBy: `operator:${operator.name}`,
        },
        this.entry(operator, 'stream-credential.issued', code, username, {
          topics: plan.topics,
          groupPrefix: plan.groupPrefix,
          mechanism: 'SCRAM-SHA-512',
        }),
      );
    } catch (error) {
      // Not recorded, so not issued: take it back from the brokers.
      await access.control.revoke(username).catch((undo: unknown) =>
        this.logger.error({
          msg: 'withdrawing an unrecorded stream credential failed',
          username,
          err: undo,
        }),
      );
      throw error;
    }
    return {
      ...credentialView(saved),
      password,
      bootstrapServers: access.bootstrapServers,
      securityProtocol: 'SASL_SSL',
      caCertificate: access.caCertificate,
    };
  }

  async list(code: string): Promise<StreamCredentialView[]> {
    const organization = await this.require(code);
    return (await this.registry.list(organization.id)).map(credentialView);
  }

  /** The brokers first (no new connection, no ACL left), then the record: a row never shows less than is granted. */
  async revoke(operator: OperatorCall, code: string, username: string): Promise<void> {
    const organization = await this.require(code);
    const credential = await this.registry.findActive(organization.id, username);
    if (!credential)
      throw ProblemException.notFound(
        'No active stream credential with that username for this organization.',
      );
    const access = this.configured();
    try {
      await access.control.revoke(username);
    } catch (error) {
      this.logger.error({ msg: 'revoking a stream credential failed', username, err: error });
      throw brokersUnavailable('The brokers did not revoke the credential; it may still work. Try again.');
    }
    const marked = await this.registry.markRevoked(
      organization.id,
      username,
      `operator:${operator.name}`,
      this.entry(operator, 'stream-credential.revoked', code, username, {}),
    );
    if (!marked)
      throw ProblemException.notFound(
        'No active stream credential with that username for this organization.',
      );
  }

  /**
   * A suspension on the brokers: each active credential of the organization loses its ACLs and
   * keeps its password, so that `restoreAll` (reinstatement) gives it back the same access.
   */
  async withdrawAll(organization: OrganizationEntity): Promise<void> {
    await this.onBrokers(organization, 'withdrawing', (control, username) => control.withdraw(username));
  }

  /** A reinstatement on the brokers: each active credential's ACLs as its organization may hold them now. */
  async restoreAll(organization: OrganizationEntity): Promise<void> {
    await this.onBrokers(organization, 'restoring', (control, username) => {
      const plan = planStreamAccess(readerOf(organization), username);
      return plan.granted ? control.restore(username, plan.acls) : control.withdraw(username);
    });
  }

  private async onBrokers(
    organization: OrganizationEntity,
    doing: string,
    work: (control: StreamAccess['control'], username: string) => Promise<void>,
  ): Promise<void> {
    const active = (await this.registry.list(organization.id)).filter((credential) => !credential.revokedAt);
    if (active.length === 0) return;
    const access = this.configured();
    try {
      for (const credential of active) await work(access.control, credential.username);
    } catch (error) {
      this.logger.error({
        msg: `${doing} stream access failed`,
        organization: organization.code,
        err: error,
      });
      throw brokersUnavailable(
        `The organization is ${organization.status}, but the brokers did not finish ${doing} its stream access: repeat the request.`,
      );
    }
  }

  private configured(): StreamAccess {
    if (!this.access) {
      throw brokersUnavailable(
        'Stream credentials are not configured on this hub (KAFKA_EXTERNAL_BOOTSTRAP).',
      );
    }
    return this.access;
  }

  private entry(
    operator: OperatorCall,
    action: 'stream-credential.issued' | 'stream-credential.revoked',
    code: string,
    username: string,
    detail: Record<string, unknown>,
  ): AuditEntry {
    return {
      action,
      actor: operatorActor(operator),
      ...requestTrace(operator),
      resourceType: 'stream-credential',
      resourceId: username,
      detail: { organization: code, ...detail },
    };
  }

  private async require(code: string): Promise<OrganizationEntity> {
    const organization = await this.directory.findByCode(code);
    if (!organization) throw ProblemException.notFound(`No organization ${code}.`);
    return organization;
  }
}
