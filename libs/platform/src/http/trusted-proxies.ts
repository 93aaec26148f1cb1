import ipaddr from 'ipaddr.js';

/**
 * TRUSTED_PROXIES: the reverse proxies whose `X-Forwarded-For` names the client (L-11), as IP
 * addresses or CIDR ranges, comma-separated. Unset, the header is ignored and the client is the
 * socket's peer: trusting it from anyone would let a caller pick its own address (and so its
 * anonymous budget and the address the audit keeps).
 */
export function parseTrustedProxies(value: string | undefined): string[] {
  if (value === undefined || value.trim() === '') return [];
  return value.split(',').map((entry) => entry.trim());
}

/** The entries that are neither an IP address nor a CIDR range (empty when the list is valid). */
export function invalidTrustedProxies(value: string | undefined): string[] {
  return parseTrustedProxies(value).filter((entry) => !isAddressOrRange(entry));
}

function isAddressOrRange(entry: string): boolean {
  if (entry.includes('/')) {
    try {
      ipaddr.parseCIDR(entry);
      return true;
    } catch {
      return false;
    }
  }
  return ipaddr.isValid(entry) && (ipaddr.IPv4.isValidFourPartDecimal(entry) || ipaddr.IPv6.isValid(entry));
}
