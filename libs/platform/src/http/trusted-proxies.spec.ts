import { invalidTrustedProxies, parseTrustedProxies } from './trusted-proxies';

describe('TRUSTED_PROXIES', () => {
  it('is empty when unset or blank: X-Forwarded-For is then never trusted', () => {
    expect(parseTrustedProxies(undefined)).toEqual([]);
    expect(parseTrustedProxies('  ')).toEqual([]);
  });

  it('takes addresses and CIDR ranges, comma-separated', () => {
    expect(parseTrustedProxies('10.0.0.1, 192.168.0.0/16,::1')).toEqual([
      '10.0.0.1',
      '192.168.0.0/16',
      '::1',
    ]);
    expect(invalidTrustedProxies('10.0.0.1, 192.168.0.0/16,::1,fd00::/8')).toEqual([]);
  });

  it('names each entry that is not an address or a range', () => {
    expect(invalidTrustedProxies('10.0.0.1,proxy.example,10.0.0.0/33,127.1,')).toEqual([
      'proxy.example',
      '10.0.0.0/33',
      '127.1',
      '',
    ]);
  });
});
