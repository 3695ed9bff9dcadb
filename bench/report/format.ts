import type { PeerSamples } from '../lib/scenario.js';
import { type Summary, summarize } from '../lib/stats.js';

export const RAW = 'child_process (raw)';
/** gameward with a `stateDir`: the server runs under a keeper. */
export const KEPT = 'gameward (keeper)';

export function ms(value: number): string {
  if (!Number.isFinite(value)) return 'n/a';
  if (value < 10) return `${value.toFixed(2)} ms`;
  if (value < 1000) return `${value.toFixed(1)} ms`;
  return `${(value / 1000).toFixed(2)} s`;
}

export function bytes(value: number): string {
  if (!Number.isFinite(value)) return 'n/a';
  const abs = Math.abs(value);
  if (abs < 1024) return `${Math.round(value)} B`;
  if (abs < 1024 ** 2) return `${(value / 1024).toFixed(1)} KiB`;
  return `${(value / 1024 ** 2).toFixed(1)} MiB`;
}

export function ratio(value: number): string {
  return Number.isFinite(value) ? `${value.toFixed(2)}×` : 'n/a';
}

/** A markdown table from a header row and body rows. */
export function table(header: string[], rows: string[][]): string {
  const line = (cells: string[]): string => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

/** Medians etc. per peer, in the order the scenario measured them. */
export function summaries(result: PeerSamples): Map<string, Summary> {
  const map = new Map<string, Summary>();
  for (const [peer, samples] of Object.entries(result.samples)) {
    if (samples.length > 0) map.set(peer, summarize(samples));
  }
  return map;
}

/** Peer | median | min–max | p90 | n | × raw, with a line per peer that failed. */
export function latencyTable(result: PeerSamples): string {
  const stats = summaries(result);
  const raw = stats.get(RAW)?.median ?? Number.NaN;
  const rows = [...stats].map(([peer, s]) => [
    peer.startsWith('gameward') ? `**${peer}**` : peer,
    ms(s.median),
    `${ms(s.min)} – ${ms(s.max)}`,
    ms(s.p90),
    String(s.n),
    ratio(s.median / raw),
  ]);
  const errors = Object.entries(result.errors).map(([peer, error]) => [
    peer,
    `failed: ${error.replaceAll('|', '\\|')}`,
    '',
    '',
    '0',
    '',
  ]);
  return table(['peer', 'median', 'min – max', 'p90', 'n', '× raw'], [...rows, ...errors]);
}

export function median(values: number[]): number {
  return summarize(values).median;
}
