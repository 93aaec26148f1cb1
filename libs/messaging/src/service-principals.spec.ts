import { AclOperationTypes, AclResourceTypes, ResourcePatternTypes } from 'kafkajs';
import { DEAD_LETTER_TOPICS, TOPICS } from '@hub/contracts';
import { serviceAcls } from './service-principals';

const on = (service: Parameters<typeof serviceAcls>[0], topic: string): AclOperationTypes[] =>
  serviceAcls(service)
    .filter((acl) => acl.resourceType === AclResourceTypes.TOPIC && acl.resourceName === topic)
    .map((acl) => acl.operation)
    .sort();

describe(serviceAcls.name, () => {
  const { READ, WRITE, CREATE, DESCRIBE } = AclOperationTypes;

  it('lets the relay create and write the canonical topics, and read nothing', () => {
    expect(on('relay', TOPICS.alerts)).toEqual([WRITE, CREATE, DESCRIBE].sort());
    expect(serviceAcls('relay').some((acl) => acl.operation === READ)).toBe(false);
  });

  it('lets the router read the canonical topics in its prefixed groups, never write them', () => {
    expect(on('router', TOPICS.seizures)).toEqual([READ, DESCRIBE].sort());
    expect(on('router', DEAD_LETTER_TOPICS.router)).toEqual([WRITE, CREATE, DESCRIBE].sort());
    const groups = serviceAcls('router').filter((acl) => acl.resourceType === AclResourceTypes.GROUP);
    expect(groups.map((acl) => [acl.resourceName, acl.resourcePatternType])).toEqual([
      ['hub-router', ResourcePatternTypes.PREFIXED],
      ['hub-router', ResourcePatternTypes.PREFIXED],
    ]);
  });

  it('gives the notifier its dead-letter topic only, and the gateway nothing', () => {
    const topics = new Set(
      serviceAcls('notifier')
        .filter((acl) => acl.resourceType === AclResourceTypes.TOPIC)
        .map((acl) => acl.resourceName),
    );
    expect([...topics]).toEqual([DEAD_LETTER_TOPICS.deliveries]);
    expect(serviceAcls('gateway')).toEqual([]);
  });

  it('grants every ACL to the service principal only, from any host, as ALLOW', () => {
    for (const acl of serviceAcls('router')) {
      expect(acl.principal).toBe('User:hub-router');
      expect(acl.host).toBe('*');
    }
  });
});
