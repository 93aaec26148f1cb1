import {
  assertDeliverableUrl,
  DEFAULT_WEBHOOK_PORTS,
  type HostLookup,
  parseWebhookPorts,
  refusalReasonFor,
  webhookTargetPolicy,
  WebhookTargetRefused,
  type WebhookTargetRefusalReason,
} from './webhook-target.guard';

/** A resolver answering from a table, so no test needs DNS. */
function table(entries: Record<string, string[]>): HostLookup {
  return (hostname) => {
    const addresses = entries[hostname];
    if (!addresses) return Promise.reject(Object.assign(new Error('not found'), { code: 'ENOTFOUND' }));
    return Promise.resolve(addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 })));
  };
}

/** The address checks alone: http and every port allowed. */
const ANY_TRANSPORT = { allowInsecureHttp: true, allowedPorts: parseWebhookPorts('1-65535') };
/** What a deployment gets without WEBHOOK_* settings. */
const PRODUCTION = webhookTargetPolicy({
  WEBHOOK_ALLOW_PRIVATE_TARGETS: false,
  WEBHOOK_ALLOW_INSECURE_HTTP: false,
  WEBHOOK_ALLOWED_PORTS: DEFAULT_WEBHOOK_PORTS,
});

async function refusal(
  url: string,
  lookup?: HostLookup,
  policy: Omit<typeof PRODUCTION, 'allowPrivateTargets'> = ANY_TRANSPORT,
): Promise<WebhookTargetRefused | null> {
  try {
    await assertDeliverableUrl(url, { ...policy, allowPrivateTargets: false, lookup });
    return null;
  } catch (error) {
    if (error instanceof WebhookTargetRefused) return error;
    throw error;
  }
}

const REFUSED: [string, WebhookTargetRefusalReason][] = [
  ['127.0.0.1', 'loopback'],
  ['127.255.10.3', 'loopback'],
  ['::1', 'loopback'],
  ['10.1.2.3', 'private'],
  ['172.16.0.1', 'private'],
  ['172.31.255.254', 'private'],
  ['192.168.1.10', 'private'],
  ['fc00::1', 'private'],
  ['fd12:3456:789a::1', 'private'],
  ['169.254.10.1', 'link-local'],
  ['fe80::1', 'link-local'],
  ['0.0.0.0', 'unspecified'],
  ['::', 'unspecified'],
  ['224.0.0.1', 'multicast'],
  ['ff02::1', 'multicast'],
  ['255.255.255.255', 'broadcast'],
  ['100.64.0.1', 'carrier-grade-nat'],
  ['192.0.2.10', 'reserved'],
  ['198.18.0.1', 'reserved'],
  ['240.0.0.1', 'reserved'],
  ['2001:db8::1', 'reserved'],
  ['169.254.169.254', 'cloud-metadata'],
  ['fd00:ec2::254', 'cloud-metadata'],
  // IPv4 inside IPv6 is judged by the IPv4 address.
  ['::ffff:127.0.0.1', 'loopback'],
  ['::ffff:10.0.0.1', 'private'],
  ['::ffff:169.254.169.254', 'cloud-metadata'],
  ['64:ff9b::a00:1', 'private'],
  ['2002:c0a8:0101::1', 'private'],
  ['::7f00:1', 'reserved'],
];

describe(refusalReasonFor.name, () => {
  it.each(REFUSED)('refuses %s as %s', (address, reason) => {
    expect(refusalReasonFor(address)).toBe(reason);
  });

  it.each(['8.8.8.8', '193.51.24.1', '2a00:1450:4007:80e::200e', '::ffff:8.8.8.8', '64:ff9b::808:808'])(
    'accepts the public address %s',
    (address) => {
      expect(refusalReasonFor(address)).toBeNull();
    },
  );
});

describe(assertDeliverableUrl.name, () => {
  const lookup = table({
    'hooks.iaea.example': ['193.51.24.10', '2a00:1450:4007:80e::200e'],
    'localhost.example': ['127.0.0.1'],
    'internal.example': ['10.20.30.40'],
    'metadata.example': ['169.254.169.254'],
    'mixed.example': ['193.51.24.10', '192.168.0.5'],
    'mapped.example': ['::ffff:127.0.0.1'],
    'empty.example': [],
  });

  it('accepts an http(s) URL whose host resolves only to public addresses', async () => {
    expect(await refusal('https://hooks.iaea.example/cosmo', lookup)).toBeNull();
    expect(await refusal('http://hooks.iaea.example:8443/cosmo?token=x', lookup)).toBeNull();
    expect(await refusal('https://8.8.8.8/hook')).toBeNull();
    expect(await refusal('https://[2a00:1450:4007:80e::200e]/hook')).toBeNull();
  });

  it('refuses other schemes and malformed URLs', async () => {
    expect((await refusal('ftp://hooks.iaea.example/', lookup))?.reason).toBe('scheme');
    expect((await refusal('file:///etc/passwd', lookup))?.reason).toBe('scheme');
    expect((await refusal('not a url', lookup))?.reason).toBe('invalid-url');
  });

  it('checks IP literals directly, however they are written', async () => {
    const noDns: HostLookup = () => Promise.reject(new Error('DNS must not be asked'));
    expect((await refusal('http://127.0.0.1:8080/', noDns))?.reason).toBe('loopback');
    expect((await refusal('http://[::1]/', noDns))?.reason).toBe('loopback');
    expect((await refusal('http://[::ffff:7f00:1]/', noDns))?.reason).toBe('loopback');
    expect((await refusal('http://2130706433/', noDns))?.reason).toBe('loopback');
    expect((await refusal('http://0x7f.1/', noDns))?.reason).toBe('loopback');
    expect((await refusal('http://169.254.169.254/latest/meta-data/', noDns))?.reason).toBe('cloud-metadata');
    expect((await refusal('http://[fd00:ec2::254]/', noDns))?.reason).toBe('cloud-metadata');
  });

  it('refuses a host when any of its addresses is not public', async () => {
    expect((await refusal('https://localhost.example/', lookup))?.reason).toBe('loopback');
    expect((await refusal('https://internal.example/', lookup))?.reason).toBe('private');
    expect((await refusal('https://metadata.example/', lookup))?.reason).toBe('cloud-metadata');
    expect((await refusal('https://mapped.example/', lookup))?.reason).toBe('loopback');
    const mixed = await refusal('https://mixed.example/', lookup);
    expect(mixed).toMatchObject({ reason: 'private', address: '192.168.0.5' });
    expect(mixed?.message).not.toContain('192.168.0.5');
  });

  it('refuses a host that does not resolve', async () => {
    expect((await refusal('https://nowhere.example/', lookup))?.reason).toBe('unresolvable');
    expect((await refusal('https://empty.example/', lookup))?.reason).toBe('unresolvable');
  });

  it('lets every address through with allowPrivateTargets, but not other schemes, http or ports', async () => {
    const local = { ...PRODUCTION, allowPrivateTargets: true };
    await expect(
      assertDeliverableUrl('http://127.0.0.1:3000/hook', { ...ANY_TRANSPORT, allowPrivateTargets: true }),
    ).resolves.toBeUndefined();
    await expect(assertDeliverableUrl('https://127.0.0.1:8443/hook', local)).resolves.toBeUndefined();
    await expect(assertDeliverableUrl('gopher://127.0.0.1/', local)).rejects.toMatchObject({
      reason: 'scheme',
    });
    await expect(assertDeliverableUrl('http://127.0.0.1:3000/hook', local)).rejects.toMatchObject({
      reason: 'insecure-scheme',
    });
    await expect(assertDeliverableUrl('https://127.0.0.1:3000/hook', local)).rejects.toMatchObject({
      reason: 'port',
    });
  });

  it('by default takes https on 443 and 8443 only (H-2, L-7)', async () => {
    expect(await refusal('https://hooks.iaea.example/cosmo', lookup, PRODUCTION)).toBeNull();
    expect(await refusal('https://hooks.iaea.example:443/cosmo', lookup, PRODUCTION)).toBeNull();
    expect(await refusal('https://hooks.iaea.example:8443/cosmo', lookup, PRODUCTION)).toBeNull();
    expect((await refusal('http://hooks.iaea.example/cosmo', lookup, PRODUCTION))?.reason).toBe(
      'insecure-scheme',
    );
    expect((await refusal('http://93.184.215.14:22/', lookup, PRODUCTION))?.reason).toBe('insecure-scheme');
    expect((await refusal('https://93.184.215.14:22/', lookup, PRODUCTION))?.reason).toBe('port');
    expect((await refusal('https://[2606:4700::1111]:6379/', lookup, PRODUCTION))?.reason).toBe('port');
    const allowingHttp = { ...PRODUCTION, allowInsecureHttp: true };
    // http's own port is 80, which the default list does not hold.
    expect((await refusal('http://hooks.iaea.example/cosmo', lookup, allowingHttp))?.reason).toBe('port');
  });
});

describe(parseWebhookPorts.name, () => {
  it('reads ports and ranges, and refuses what is not one', () => {
    expect(parseWebhookPorts('443, 8443,3099')).toEqual([
      [443, 443],
      [8443, 8443],
      [3099, 3099],
    ]);
    expect(parseWebhookPorts('1024-65535')).toEqual([[1024, 65535]]);
    for (const bad of ['', '0', '70000', '443,', '9000-8000', 'https'])
      expect(() => parseWebhookPorts(bad)).toThrow();
  });
});
