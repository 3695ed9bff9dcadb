import { stripVTControlCharacters } from 'node:util';
import type { ConfigValidator } from '../config/validate.js';

/** How long a server may take to print its ready line before the start fails. */
export const DEFAULT_READINESS_TIMEOUT_MS = 120_000;

/** A normalised `readiness` option: the ready line's pattern and the time allowed to see it. */
export interface ReadinessConfig {
  /** A RegExp, or a string matched as a substring, tested against each line without ANSI codes. */
  readonly pattern: RegExp | string;
  readonly timeoutMs: number;
}

const KNOWN_KEYS = ['pattern', 'timeoutMs'] as const;

/** Validates `config.readiness`; `undefined` means "running as soon as the process spawns". */
export function normalizeReadiness(
  value: unknown,
  v: ConfigValidator,
): ReadinessConfig | undefined {
  if (value === undefined) return undefined;
  const record = v.object('readiness', value);
  const nested = v.nested('readiness');
  nested.knownKeys(record, KNOWN_KEYS);
  const pattern = nested.pattern('pattern', record.pattern);
  const timeoutMs =
    record.timeoutMs === undefined
      ? DEFAULT_READINESS_TIMEOUT_MS
      : nested.durationMs('timeoutMs', record.timeoutMs, 1);
  return Object.freeze({ pattern, timeoutMs });
}

const ESC = '\u001b';
const CSI = '\u009b';

/**
 * A predicate telling whether one console line is the ready line. ANSI/VT codes are stripped first
 * (servers colour their logs); a global or sticky RegExp is tested on a private copy whose
 * `lastIndex` is reset each time, so it matches every time and the caller's RegExp is untouched.
 */
export function createLineMatcher(pattern: RegExp | string): (text: string) => boolean {
  const plain = (text: string): string =>
    text.includes(ESC) || text.includes(CSI) ? stripVTControlCharacters(text) : text;
  if (typeof pattern === 'string') return (text) => plain(text).includes(pattern);
  const regex = new RegExp(pattern.source, pattern.flags);
  if (!regex.global && !regex.sticky) return (text) => regex.test(plain(text));
  return (text) => {
    regex.lastIndex = 0;
    return regex.test(plain(text));
  };
}
