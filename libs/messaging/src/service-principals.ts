import {
  type Admin,
  type AclEntry,
  AclOperationTypes,
  AclPermissionTypes,
  AclResourceTypes,
  ResourcePatternTypes,
} from 'kafkajs';
import { TOPICS, topicsWrittenBy, type TopicWriter } from '@hub/contracts';

export const HUB_SERVICES = ['gateway', 'relay', 'router', 'notifier'] as const;
export type HubService = (typeof HUB_SERVICES)[number];

/** Kafka principal (SCRAM user name) of each hub service on the hub's own brokers. */
export const SERVICE_PRINCIPALS: Readonly<Record<HubService, string>> = {
  gateway: 'hub-gateway',
  relay: 'hub-relay',
  router: 'hub-router',
  notifier: 'hub-notifier',
};

/**
 * The principal that issues and revokes stream credentials (SCRAM users and their ACLs), used by
 * the gateway's stream-credential routes only, never by its own client.
 */
export const STREAM_ADMIN_PRINCIPAL = 'hub-stream-admin';

/** Consumer groups of the router: `hub-router` and the per-file groups of the tests (`hub-router-test-…`). */
export const ROUTER_GROUP_PREFIX = 'hub-router';

/** Kafka's name for the cluster resource of an ACL. */
const CLUSTER = 'kafka-cluster';

const CANONICAL = [TOPICS.alerts, TOPICS.seizures];

type Grant = [AclResourceTypes, string, ResourcePatternTypes, AclOperationTypes[]];

/**
 * What each service does on Kafka, and nothing more (the broker denies whatever no ACL allows;
 * the topics each creates and writes come from the contracts' catalog, topicsWrittenBy):
 * - relay: creates the canonical topics and writes them (idempotent producer);
 * - router: reads the canonical topics in its groups (and moves their offsets at first start),
 *   creates and writes the regional topics and its dead-letter topic;
 * - notifier: creates and writes the webhook dead-letter topic;
 * - gateway: nothing; its health check (cluster metadata) needs no ACL.
 */
function grantsOf(service: HubService, routerGroupPrefix: string): Grant[] {
  const { TOPIC, GROUP, CLUSTER: CLUSTER_RESOURCE } = AclResourceTypes;
  const { LITERAL, PREFIXED } = ResourcePatternTypes;
  const { READ, WRITE, CREATE, DESCRIBE, IDEMPOTENT_WRITE } = AclOperationTypes;
  const produce = (writer: TopicWriter): Grant[] => [
    ...topicsWrittenBy(writer).map(({ topic }): Grant => [TOPIC, topic, LITERAL, [CREATE, WRITE, DESCRIBE]]),
    [CLUSTER_RESOURCE, CLUSTER, LITERAL, [IDEMPOTENT_WRITE]],
  ];
  switch (service) {
    case 'relay':
      return produce('relay');
    case 'router':
      return [
        ...CANONICAL.map((topic): Grant => [TOPIC, topic, LITERAL, [READ, DESCRIBE]]),
        [GROUP, routerGroupPrefix, PREFIXED, [READ, DESCRIBE]],
        ...produce('router'),
      ];
    case 'notifier':
      return produce('notifier');
    case 'gateway':
      return [];
  }
}

/** The ALLOW ACLs of a service's principal. */
export function serviceAcls(
  service: HubService,
  options: { principal?: string; routerGroupPrefix?: string } = {},
): AclEntry[] {
  const principal = `User:${options.principal ?? SERVICE_PRINCIPALS[service]}`;
  return grantsOf(service, options.routerGroupPrefix ?? ROUTER_GROUP_PREFIX).flatMap(
    ([resourceType, resourceName, resourcePatternType, operations]) =>
      operations.map((operation) => ({
        resourceType,
        resourceName,
        resourcePatternType,
        principal,
        host: '*',
        operation,
        permissionType: AclPermissionTypes.ALLOW,
      })),
  );
}

/**
 * The stream admin's ACLs: ALTER on the cluster (CreateAcls, DeleteAcls and
 * AlterUserScramCredentials all require it) and DESCRIBE (to read them back); no topic, no group.
 * Kafka has nothing narrower: whoever may create ACLs could grant itself more, which is why this
 * principal is kept apart from the gateway's own and is not a super user.
 */
export function streamAdminAcls(principal = STREAM_ADMIN_PRINCIPAL): AclEntry[] {
  return [AclOperationTypes.ALTER, AclOperationTypes.DESCRIBE].map((operation) => ({
    resourceType: AclResourceTypes.CLUSTER,
    resourceName: CLUSTER,
    resourcePatternType: ResourcePatternTypes.LITERAL,
    principal: `User:${principal}`,
    host: '*',
    operation,
    permissionType: AclPermissionTypes.ALLOW,
  }));
}

/**
 * Creates the ACLs of every hub service (idempotent: Kafka keeps one copy of an ACL). `admin`
 * must be connected as a principal allowed to ALTER the cluster (the bootstrap admin).
 */
export async function grantServicePrincipals(
  admin: Admin,
  options: { routerGroupPrefix?: string } = {},
): Promise<void> {
  await admin.createAcls({
    acl: [...HUB_SERVICES.flatMap((service) => serviceAcls(service, options)), ...streamAdminAcls()],
  });
}
