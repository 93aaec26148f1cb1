import { lookup as dnsLookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { ValidateBy } from 'class-validator';
import ipaddr from 'ipaddr.js';

export type WebhookTargetRefusalReason =
  | 'invalid-url'
  | 'scheme'
  | 'insecure-scheme'
  | 'port'
  | 'unresolvable'
  | 'loopback'
  | 'private'
  | 'link-local'
  | 'unspecified'
  | 'multicast'
  | 'broadcast'
  | 'carrier-grade-nat'
  | 'reserved'
  | 'cloud-metadata';

const DESCRIPTIONS: Record<WebhookTargetRefusalReason, string> = {
  'invalid-url': 'the webhook URL is not a valid absolute URL',
  scheme: 'the webhook URL must use http or https',
  'insecure-scheme': 'the webhook URL must use https',
  port: 'the webhook URL names a port the hub does not deliver to',
  unresolvable: 'the webhook host does not resolve',
  loopback: 'the webhook host is a loopback address',
  private: 'the webhook host is a private-network address',
  'link-local': 'the webhook host is a link-local address',
  unspecified: 'the webhook host is an unspecified address',
  multicast: 'the webhook host is a multicast address',
  broadcast: 'the webhook host is a broadcast address',
  'carrier-grade-nat': 'the webhook host is a carrier-grade NAT address',
  reserved: 'the webhook host is a reserved or special-purpose address',
  'cloud-metadata': 'the webhook host is a cloud metadata endpoint',
};

/**
 * A webhook URL the hub will not call. The message is safe to show the subscriber: it names the
 * class of address but not the address itself (which would map internal DNS for an attacker);
 * `address` is for the operator's logs.
 */
export class WebhookTargetRefused extends Error {
  override readonly name = 'WebhookTargetRefused';

  constructor(
    readonly reason: WebhookTargetRefusalReason,
    readonly address?: string,
  ) {
    super(DESCRIPTIONS[reason]);
  }
}

export interface ResolvedAddress {
  address: string;
  family: number;
}

/** Resolves a host name to every address it has (`dns.lookup` with `all: true` by default). */
export type HostLookup = (hostname: string) => Promise<ResolvedAddress[]>;

export interface DeliverableUrlOptions extends WebhookTargetPolicy {
  lookup?: HostLookup;
}

/** What a deployment lets webhooks reach (`webhookTargetPolicy` reads it from configuration). */
export interface WebhookTargetPolicy {
  /** Skips the address checks (local development and tests only: `WEBHOOK_ALLOW_PRIVATE_TARGETS`). */
  allowPrivateTargets: boolean;
  /**
   * Accepts `http://` (local development and its demo receiver only: `WEBHOOK_ALLOW_INSECURE_HTTP`):
   * the signature protects a delivery's integrity, not its confidentiality.
   */
  allowInsecureHttp: boolean;
  /**
   * The ports a webhook may name (`WEBHOOK_ALLOWED_PORTS`): with the delivery log's status and
   * latency, any port would make the hub a port scanner of public hosts.
   */
  allowedPorts: WebhookPorts;
}

/** Ports as inclusive ranges, e.g. `443,8443` or `443,1024-65535`. */
export type WebhookPorts = readonly (readonly [number, number])[];

/** `443,8443`: the HTTPS ports receivers use. */
export const DEFAULT_WEBHOOK_PORTS = '443,8443';

/** What WEBHOOK_ALLOWED_PORTS may hold: ports or `low-high` ranges, comma-separated. */
export const WEBHOOK_PORTS_PATTERN = /^\s*\d{1,5}(-\d{1,5})?\s*(,\s*\d{1,5}(-\d{1,5})?\s*){0,99}$/;

/** Parses WEBHOOK_ALLOWED_PORTS; throws on a port outside 1-65535 or a range that runs backwards. */
export function parseWebhookPorts(text: string): WebhookPorts {
  if (!WEBHOOK_PORTS_PATTERN.test(text)) throw new Error(`not a port list: ${text}`);
  return text.split(',').map((part) => {
    const [low, high = low] = part.trim().split('-').map(Number);
    if (low < 1 || high > 65535 || low > high) throw new Error(`not a port range: ${part.trim()}`);
    return [low, high] as const;
  });
}

/** A configuration variable holding a port list (WEBHOOK_ALLOWED_PORTS). */
export function IsWebhookPortList(): PropertyDecorator {
  return ValidateBy({
    name: 'isWebhookPortList',
    validator: {
      validate: (value: unknown): boolean => {
        try {
          return typeof value === 'string' && parseWebhookPorts(value).length > 0;
        } catch {
          return false;
        }
      },
      defaultMessage: () => '$property must list ports (1-65535) or ranges such as 443,8443,9000-9010',
    },
  });
}

/** The policy from a service's WEBHOOK_* variables (the gateway checks it at subscription, the notifier at send). */
export function webhookTargetPolicy(config: {
  WEBHOOK_ALLOW_PRIVATE_TARGETS: boolean;
  WEBHOOK_ALLOW_INSECURE_HTTP: boolean;
  WEBHOOK_ALLOWED_PORTS: string;
}): WebhookTargetPolicy {
  return {
    allowPrivateTargets: config.WEBHOOK_ALLOW_PRIVATE_TARGETS,
    allowInsecureHttp: config.WEBHOOK_ALLOW_INSECURE_HTTP,
    allowedPorts: parseWebhookPorts(config.WEBHOOK_ALLOWED_PORTS),
  };
}

export const systemLookup: HostLookup = (hostname) => dnsLookup(hostname, { all: true, verbatim: true });

const CLOUD_METADATA = new Set(['169.254.169.254', '100.100.100.200', 'fd00:ec2::254']);

const IPV4_RANGES: Record<string, WebhookTargetRefusalReason | null> = {
  unicast: null,
  unspecified: 'unspecified',
  broadcast: 'broadcast',
  multicast: 'multicast',
  linkLocal: 'link-local',
  loopback: 'loopback',
  carrierGradeNat: 'carrier-grade-nat',
  private: 'private',
};

const IPV6_RANGES: Record<string, WebhookTargetRefusalReason | null> = {
  unicast: null,
  unspecified: 'unspecified',
  linkLocal: 'link-local',
  multicast: 'multicast',
  loopback: 'loopback',
  uniqueLocal: 'private',
  // fec0::/10, deprecated but still routed by some stacks to the local site.
  deprecatedSiteLocal: 'private',
};

const GLOBAL_UNICAST_V6 = ipaddr.IPv6.parseCIDR('2000::/3');

function embeddedIPv4(address: ipaddr.IPv6, fromPart: number): ipaddr.IPv4 {
  const [high, low] = address.parts.slice(fromPart, fromPart + 2);
  return new ipaddr.IPv4([high >> 8, high & 0xff, low >> 8, low & 0xff]);
}

/**
 * Why an address must not be called, or null for a public unicast address. Anything not plainly
 * public is refused (reserved, documentation, benchmarking ranges and unassigned IPv6 space);
 * IPv6 forms that carry an IPv4 address (mapped, NAT64, 6to4) are judged by that address.
 */
export function refusalReasonFor(ip: string): WebhookTargetRefusalReason | null {
  const bare = ip.replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  if (!ipaddr.isValid(bare)) return 'reserved';
  const address = ipaddr.parse(bare);
  if (CLOUD_METADATA.has(address.toString())) return 'cloud-metadata';
  if (address.kind() === 'ipv4') {
    const range = (address as ipaddr.IPv4).range();
    return range in IPV4_RANGES ? IPV4_RANGES[range] : 'reserved';
  }
  const v6 = address as ipaddr.IPv6;
  const range = v6.range() as string;
  switch (range) {
    case 'ipv4Mapped':
    case 'rfc6145':
      return refusalReasonFor(embeddedIPv4(v6, 6).toString());
    case 'rfc6052':
      // 64:ff9b::/96 (NAT64) puts the IPv4 address last; 64:ff9b:1::/48 is local-use.
      return v6.parts[2] === 0 ? refusalReasonFor(embeddedIPv4(v6, 6).toString()) : 'reserved';
    case '6to4':
      return refusalReasonFor(embeddedIPv4(v6, 1).toString());
  }
  if (range in IPV6_RANGES) {
    const reason = IPV6_RANGES[range];
    if (reason !== null) return reason;
    // ipaddr calls everything else "unicast"; only 2000::/3 is allocated global unicast (this also
    // refuses the deprecated IPv4-compatible form ::a.b.c.d).
    return v6.match(GLOBAL_UNICAST_V6) ? null : 'reserved';
  }
  return 'reserved';
}

/** The host of a URL as a resolver or `isIP` expects it (IPv6 literals without brackets). */
function hostOf(url: URL): string {
  return url.hostname.replace(/^\[|\]$/g, '');
}

/** Parses a webhook URL and checks its scheme; throws `WebhookTargetRefused`. */
export function parseWebhookUrl(url: string): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new WebhookTargetRefused('invalid-url');
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new WebhookTargetRefused('scheme');
  if (!parsed.hostname) throw new WebhookTargetRefused('invalid-url');
  return parsed;
}

/** Throws `WebhookTargetRefused` unless every address is public (an attacker controls which one is used). */
export function assertPublicAddresses(addresses: readonly ResolvedAddress[]): void {
  if (addresses.length === 0) throw new WebhookTargetRefused('unresolvable');
  for (const { address } of addresses) {
    const reason = refusalReasonFor(address);
    if (reason) throw new WebhookTargetRefused(reason, address);
  }
}

/**
 * The SSRF guard: refuses a webhook URL that is not https (http only where allowed), names a port
 * outside the allowed ones, or whose host is, or resolves to,
 * any address that is not public unicast (loopback, private, link-local, cloud metadata, …).
 * Run when a subscription is created and again before every send, since DNS answers change.
 */
export async function assertDeliverableUrl(url: string, options: DeliverableUrlOptions): Promise<void> {
  const parsed = parseWebhookUrl(url);
  if (parsed.protocol === 'http:' && !options.allowInsecureHttp)
    throw new WebhookTargetRefused('insecure-scheme');
  const port = Number(parsed.port || (parsed.protocol === 'https:' ? 443 : 80));
  if (!options.allowedPorts.some(([low, high]) => port >= low && port <= high))
    throw new WebhookTargetRefused('port');
  if (options.allowPrivateTargets) return;
  const host = hostOf(parsed);
  if (isIP(host)) {
    assertPublicAddresses([{ address: host, family: isIP(host) }]);
    return;
  }
  let addresses: ResolvedAddress[];
  try {
    addresses = await (options.lookup ?? systemLookup)(host);
  } catch {
    throw new WebhookTargetRefused('unresolvable');
  }
  assertPublicAddresses(addresses);
}
