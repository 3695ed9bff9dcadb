import { inspect } from 'node:util';

const REDACTED = '[redacted]';

/**
 * Key text or a passphrase, held so that no ordinary way of printing it shows it: JSON,
 * `util.inspect` (console.log, pino, vitest diffs), template strings. Only {@link reveal} does,
 * and only the SSH handshake calls it.
 */
export class Secret {
  readonly #value: string | Buffer;

  constructor(value: string | Buffer) {
    this.#value = value;
  }

  reveal(): string | Buffer {
    return this.#value;
  }

  /** Whether `other` holds the same bytes (for "is this the same credential?"). */
  equals(other: Secret | undefined): boolean {
    if (other === undefined) return false;
    return Buffer.from(this.#value).equals(Buffer.from(other.#value));
  }

  toJSON(): string {
    return REDACTED;
  }

  toString(): string {
    return REDACTED;
  }

  [inspect.custom](): string {
    return REDACTED;
  }
}
