import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/** One usable line of a known_hosts file. */
interface KnownHostLine {
  readonly marker: 'revoked' | 'cert-authority' | undefined;
  readonly hosts: string;
  readonly keyType: string;
  readonly key: Buffer;
}

/** What known_hosts says about the key a server offered. */
export type HostKeyVerdict =
  | { readonly kind: 'trusted' }
  /** No line names this host: OpenSSH's "authenticity of host can't be established". */
  | { readonly kind: 'unknown' }
  /** Lines name this host, none with this key: OpenSSH's "REMOTE HOST IDENTIFICATION HAS CHANGED". */
  | { readonly kind: 'changed' }
  /** An `@revoked` line holds this key. */
  | { readonly kind: 'revoked' };

/** Parses known_hosts text (OpenSSH's format: plain, wildcard and hashed host names, markers). */
export function parseKnownHosts(text: string): KnownHostLine[] {
  const lines: KnownHostLine[] = [];
  for (const raw of text.split(/\r?\n/)) {
    const fields = raw.trim().split(/\s+/);
    if (fields[0] === undefined || fields[0] === '' || fields[0].startsWith('#')) continue;
    let marker: KnownHostLine['marker'];
    if (fields[0] === '@revoked' || fields[0] === '@cert-authority') {
      marker = fields[0] === '@revoked' ? 'revoked' : 'cert-authority';
      fields.shift();
    }
    const [hosts, keyType, base64] = fields;
    if (hosts === undefined || keyType === undefined || base64 === undefined) continue;
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(base64)) continue;
    lines.push({ marker, hosts, keyType, key: Buffer.from(base64, 'base64') });
  }
  return lines;
}

/** The name known_hosts files use for a host: `host`, or `[host]:port` off port 22. */
export function knownHostName(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${port}`;
}

/** Judges the key `offered` (the SSH wire blob) for `host`:`port` against known_hosts `lines`. */
export function verifyHostKey(
  lines: readonly KnownHostLine[],
  host: string,
  port: number,
  offered: Buffer,
): HostKeyVerdict {
  const name = knownHostName(host, port);
  let named = false;
  for (const line of lines) {
    if (line.marker === 'revoked' && sameKey(line.key, offered)) return { kind: 'revoked' };
  }
  for (const line of lines) {
    if (line.marker !== undefined || !hostsMatch(line.hosts, name)) continue;
    if (sameKey(line.key, offered)) return { kind: 'trusted' };
    named = true;
  }
  return named ? { kind: 'changed' } : { kind: 'unknown' };
}

/**
 * The host key algorithms to offer for `host`:`port`, so the server shows a key type that
 * known_hosts holds (as OpenSSH orders them); undefined when known_hosts has none for it.
 */
export function knownKeyAlgorithms(
  lines: readonly KnownHostLine[],
  host: string,
  port: number,
): string[] | undefined {
  const name = knownHostName(host, port);
  const algorithms = new Set<string>();
  for (const line of lines) {
    if (line.marker !== undefined || !hostsMatch(line.hosts, name)) continue;
    if (line.keyType === 'ssh-rsa') {
      for (const algorithm of ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'])
        algorithms.add(algorithm);
    } else {
      algorithms.add(line.keyType);
    }
  }
  return algorithms.size === 0 ? undefined : [...algorithms];
}

/** `SHA256:...` as `ssh-keygen -l` prints it: safe to show, it reveals nothing secret. */
export function fingerprint(key: Buffer): string {
  return `SHA256:${createHash('sha256').update(key).digest('base64').replace(/=+$/, '')}`;
}

/** The key type written inside an SSH public key blob (`ssh-ed25519`), or `unknown`. */
export function keyTypeOf(key: Buffer): string {
  if (key.length < 4) return 'unknown';
  const length = key.readUInt32BE(0);
  return length > 0 && length < 64 && key.length >= 4 + length
    ? key.subarray(4, 4 + length).toString('latin1')
    : 'unknown';
}

function sameKey(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

/** OpenSSH's host field: comma-separated patterns (`*`, `?`, `!negated`) or one hashed name. */
function hostsMatch(hosts: string, name: string): boolean {
  if (hosts.startsWith('|1|')) return hashedMatch(hosts, name);
  let matched = false;
  for (const pattern of hosts.split(',')) {
    const negated = pattern.startsWith('!');
    if (!globMatch(negated ? pattern.slice(1) : pattern, name)) continue;
    if (negated) return false;
    matched = true;
  }
  return matched;
}

function hashedMatch(field: string, name: string): boolean {
  const [, , salt, hash] = field.split('|');
  if (salt === undefined || hash === undefined) return false;
  const expected = Buffer.from(hash, 'base64');
  const actual = createHmac('sha1', Buffer.from(salt, 'base64')).update(name).digest();
  return sameKey(expected, actual);
}

function globMatch(pattern: string, name: string): boolean {
  const source = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${source}$`, 'i').test(name);
}
