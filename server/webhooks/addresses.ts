/**
 * SSRF guards for webhook URLs. A webhook makes kefu send requests wherever its creator says, so
 * only public unicast addresses may be called: loopback, private, link-local (169.254.169.254, the
 * cloud metadata service, among them), unique-local (fd00:ec2::254), CGNAT, multicast, unspecified
 * and every other special range are refused, as classified by ipaddr.js. The URL is checked when
 * the webhook is created, and every connection checks the addresses its name resolves to again
 * (`guardedLookup`), so a name that later resolves elsewhere (DNS rebinding) is refused too.
 * WEBHOOK_ALLOW_PRIVATE=on turns both checks off (tests, private networks).
 */
import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import { isIP, type LookupFunction } from 'node:net';
import ipaddr from 'ipaddr.js';

/** Why an address may not be called, or null when it may (a public unicast address). */
export function refusedAddress(address: string): string | null {
  let parsed: ipaddr.IPv4 | ipaddr.IPv6;
  try {
    parsed = ipaddr.parse(address);
  } catch {
    return `${address} is not an IP address`;
  }
  // ::ffff:10.0.0.1 is 10.0.0.1.
  if (parsed.kind() === 'ipv6' && (parsed as ipaddr.IPv6).isIPv4MappedAddress()) parsed = (parsed as ipaddr.IPv6).toIPv4Address();
  const range = parsed.range();
  return range === 'unicast' ? null : `${address} is a ${range} address`;
}

/** The URL's host as an IP literal (brackets of IPv6 removed), or null for a name. */
export function ipLiteral(url: URL): string | null {
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  return isIP(host) ? host : null;
}

/** Every address `host` resolves to (as the connection would see them). */
export function resolveAll(host: string): Promise<LookupAddress[]> {
  return new Promise((resolve, reject) => dnsLookup(host, { all: true }, (error, addresses) => (error ? reject(error) : resolve(addresses))));
}

/**
 * Why the URL may not be called, or null: only http(s), no credentials in it, and a host that is,
 * or resolves only to, public addresses. A name that does not resolve is refused too.
 */
export async function refusedUrl(raw: string, allowPrivate: boolean): Promise<string | null> {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'must be an absolute http(s) URL';
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return 'must be an http or https URL';
  if (url.username || url.password) return 'must not carry credentials';
  if (allowPrivate) return null;
  const literal = ipLiteral(url);
  if (literal) return refusedAddress(literal);
  let addresses: LookupAddress[];
  try {
    addresses = await resolveAll(url.hostname);
  } catch {
    return `${url.hostname} does not resolve`;
  }
  for (const { address } of addresses) {
    const refused = refusedAddress(address);
    if (refused) return `${url.hostname} resolves to ${refused.replace(`${address} is`, `${address},`)}`;
  }
  return null;
}

/**
 * A `lookup` for an http(s) Agent: resolves as usual, then fails the connection when any address is
 * not public, so what is checked is exactly what is connected to. Node calls it with `all: true`
 * (happy eyeballs) or without; both are answered.
 */
export const guardedLookup: LookupFunction = (hostname, options, callback) => {
  const opts = (typeof options === 'object' && options !== null ? options : {}) as LookupOptions;
  dnsLookup(hostname, { ...opts, all: true }, (error, addresses) => {
    if (error) return callback(error, '', 4);
    const list = addresses as LookupAddress[];
    for (const { address } of list) {
      const refused = refusedAddress(address);
      if (refused) {
        const blocked = Object.assign(new Error(`webhook host ${hostname} resolves to ${refused.replace(`${address} is`, `${address},`)}`), { code: 'EADDRNOTPUBLIC' });
        return callback(blocked, '', 4);
      }
    }
    if (opts.all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, list);
    const first = list[0];
    if (!first) return callback(Object.assign(new Error(`${hostname} has no address`), { code: 'ENOTFOUND' }), '', 4);
    callback(null, first.address, first.family);
  });
};
