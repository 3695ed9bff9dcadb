import { isSignalName } from '../../state/wire.js';

/** How an egg's `config.stop` maps onto a ProcessSupervisor. */
export type EggStop =
  | { readonly stopCommand: string }
  | { readonly stopSignal: NodeJS.Signals }
  | { readonly unknown: string };

/**
 * `stop` → a stdin command, or a signal for the caret forms: `^C` (Wings stops the container;
 * the yolks images declare STOPSIGNAL SIGINT) and `^^C` (a literal Ctrl-C) are SIGINT, `^SIGTERM`
 * or `^TERM` name a signal. Anything else after a caret is reported, not guessed.
 */
export function convertStop(stop: string): EggStop {
  const text = stop.trim();
  if (!text.startsWith('^')) return { stopCommand: text };
  const rest = text.replace(/^\^+/, '').toUpperCase();
  if (rest === 'C') return { stopSignal: 'SIGINT' };
  const name = rest.startsWith('SIG') ? rest : `SIG${rest}`;
  return isSignalName(name) ? { stopSignal: name } : { unknown: text };
}

/** `done` strings → a readiness pattern: Wings tests each as a substring of the line. */
export function convertDone(done: readonly string[]): RegExp | string | undefined {
  if (done.length === 0) return undefined;
  if (done.length === 1) return done[0];
  return new RegExp(done.map((item) => item.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|'));
}
