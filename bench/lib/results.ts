import type { Machine } from './machine.js';
import type { PeerSamples } from './scenario.js';

/** What one scenario process reports, or why it has nothing to report. */
export type Outcome<T> = { ok: true; value: T } | { ok: false; error: string };

export interface ThroughputRun {
  variant: 'raw' | 'gameward';
  lines: number;
  expected: number;
  elapsedMs: number;
  linesPerSecond: number;
  baselineRssBytes: number;
  peakRssBytes: number;
}

export interface ScaleRun {
  variant: 'raw' | 'execa' | 'gameward';
  count: number;
  startAllMs: number;
  heapPerInstanceBytes: number;
  rssPerInstanceBytes: number;
  /** The median storm (by its worst delay) of `storms`. */
  storm: StormRun;
  storms: StormRun[];
}

export interface StormRun {
  observed: number;
  durationMs: number;
  samples: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

export interface Pm2ScaleRun {
  count: number;
  online: number;
  startAllMs: number;
  daemonRssBeforeBytes: number;
  daemonRssAfterBytes: number;
  rssPerProcessBytes: number;
  storm: { observed: number; durationMs: number };
}

export interface TimersRun {
  idleMs: number;
  cases: { name: string; running: Record<string, number>; stopped: Record<string, number> }[];
}

/** Everything one `npm run bench` measured. */
export interface BenchReport {
  machine: Machine;
  durationSeconds: number;
  exit: Outcome<PeerSamples>;
  startStop: Outcome<{ start: PeerSamples; stop: PeerSamples }>;
  ready: Outcome<PeerSamples>;
  throughput: Outcome<ThroughputRun>[];
  scale: Outcome<ScaleRun>[];
  pm2Scale: Outcome<Pm2ScaleRun>;
  timers: Outcome<TimersRun>;
  /** bench/compose-exit.ts's JSON as it printed it, when an engine was reachable. */
  compose: Outcome<Record<string, unknown>> | { ok: false; skipped: string };
  /** Processes of this bench run still alive at the end (killed, and listed here). */
  leaked: string[];
}
