import { AclOperationTypes, AclPermissionTypes, AclResourceTypes, ResourcePatternTypes } from 'kafkajs';
import { planStreamAccess } from '@hub/matching';
import { kafkaAclEntry } from './stream-access-control';

describe(kafkaAclEntry.name, () => {
  it("maps a RILO's plan onto kafkajs ACL entries: literal topic READ/DESCRIBE, prefixed group READ, ALLOW only", () => {
    const plan = planStreamAccess(
      { code: 'rilo-we', kind: 'rilo', region: 'europe' },
      'stream-rilo-we-abcdefghij',
    );
    if (!plan.granted) throw new Error('refused');
    const allow = {
      principal: 'User:stream-rilo-we-abcdefghij',
      host: '*',
      permissionType: AclPermissionTypes.ALLOW,
    };
    expect(plan.acls.map(kafkaAclEntry)).toEqual([
      {
        resourceType: AclResourceTypes.TOPIC,
        resourceName: 'hub.region.europe.v1',
        resourcePatternType: ResourcePatternTypes.LITERAL,
        operation: AclOperationTypes.READ,
        ...allow,
      },
      {
        resourceType: AclResourceTypes.TOPIC,
        resourceName: 'hub.region.europe.v1',
        resourcePatternType: ResourcePatternTypes.LITERAL,
        operation: AclOperationTypes.DESCRIBE,
        ...allow,
      },
      {
        resourceType: AclResourceTypes.GROUP,
        resourceName: 'rilo-we.',
        resourcePatternType: ResourcePatternTypes.PREFIXED,
        operation: AclOperationTypes.READ,
        ...allow,
      },
    ]);
  });
});
