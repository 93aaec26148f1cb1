import { Injectable } from '@nestjs/common';
import { createHash, randomBytes } from 'node:crypto';
import { DataSource } from 'typeorm';
import { appendAudit, type AuditEntry } from '../audit/audit-trail';

const OPERATOR_TOKEN_PREFIX = 'chop_';

/** A named operator of the admin API, as listed (never its token). */
export interface OperatorRow {
  id: string;
  name: string;
  prefix: string;
  createdBy: string;
  createdAt: Date;
  revokedAt: Date | null;
}

/** An operator just issued: its token is shown once and kept nowhere. */
export interface IssuedOperator extends OperatorRow {
  token: string;
}

export class DuplicateOperatorError extends Error {}

interface RawOperator {
  id: string;
  name: string;
  prefix: string;
  created_by: string;
  created_at: Date;
  revoked_at: Date | null;
}

const COLUMNS = 'id, name, prefix, created_by, created_at, revoked_at';

function operatorRow(raw: RawOperator): OperatorRow {
  return {
    id: raw.id,
    name: raw.name,
    prefix: raw.prefix,
    createdBy: raw.created_by,
    createdAt: raw.created_at,
    revokedAt: raw.revoked_at,
  };
}

/** 256 random bits, like an API key: a plain SHA-256 digest is a safe way to store it. */
const tokenHash = (token: string): string => createHash('sha256').update(token, 'utf8').digest('hex');

/**
 * The named operators of the admin API and their personal tokens (stored as digests, looked up by
 * digest, revocable at once). HUB_ADMIN_TOKEN bootstraps the roster; the audit trail then names
 * the operator behind each admin action.
 */
@Injectable()
export class OperatorRoster {
  constructor(private readonly dataSource: DataSource) {}

  /** Issues a token to a new operator, with its audit entry, in one transaction. */
  async issue(
    name: string,
    createdBy: string,
    auditFor: (operator: OperatorRow) => AuditEntry,
  ): Promise<IssuedOperator> {
    const token = `${OPERATOR_TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
    try {
      return await this.dataSource.transaction(async (manager) => {
        const [raw] = await manager.query<RawOperator[]>(
          `INSERT INTO operators (name, prefix, token_hash, created_by) VALUES ($1, $2, $3, $4) RETURNING ${COLUMNS}`,
          [name, token.slice(0, OPERATOR_TOKEN_PREFIX.length + 6), tokenHash(token), createdBy],
        );
        const operator = operatorRow(raw);
        await appendAudit(manager, [auditFor(operator)]);
        return { ...operator, token };
      });
    } catch (error) {
      if ((error as { driverError?: { code?: string } }).driverError?.code === '23505')
        throw new DuplicateOperatorError(name);
      throw error;
    }
  }

  async list(): Promise<OperatorRow[]> {
    const rows = await this.dataSource.query<RawOperator[]>(
      `SELECT ${COLUMNS} FROM operators ORDER BY created_at, name`,
    );
    return rows.map(operatorRow);
  }

  /** Revokes an operator's token, with its audit entry; false when it was not live. */
  async revoke(id: string, audit: AuditEntry): Promise<boolean> {
    return this.dataSource.transaction(async (manager) => {
      const [revoked] = await manager.query<[{ id: string }[], number]>(
        'UPDATE operators SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL RETURNING id',
        [id],
      );
      if (revoked.length === 0) return false;
      await appendAudit(manager, [audit]);
      return true;
    });
  }

  /** The live operator holding this token, or null; looked up by digest on every call (no cache: revocation is immediate). */
  async authenticate(token: string): Promise<OperatorRow | null> {
    if (!token.startsWith(OPERATOR_TOKEN_PREFIX) || token.length !== OPERATOR_TOKEN_PREFIX.length + 43)
      return null;
    const rows = await this.dataSource.query<RawOperator[]>(
      `SELECT ${COLUMNS} FROM operators WHERE token_hash = $1 AND revoked_at IS NULL`,
      [tokenHash(token)],
    );
    return rows.length > 0 ? operatorRow(rows[0]) : null;
  }
}
