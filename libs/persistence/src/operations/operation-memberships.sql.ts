/**
 * SQL for the codes of the operations an organization takes part in now, any role, in code order:
 * a text[], empty when it takes part in none. `organizationId` is the SQL expression of the
 * organization's id (a column such as `o.id`, or a parameter such as `$1`).
 */
export function operationCodesOf(organizationId: string): string {
  return `ARRAY(SELECT op.code FROM operation_participants p JOIN operations op ON op.id = p.operation_id
                 WHERE p.organization_id = ${organizationId} ORDER BY op.code)`;
}
