import type { Machine } from './machine.js';
import type { PeerSamples } from './scenario.js';

/** What one scenario process reports, or why it has nothing to report. */
export type Outcome<T> = { ok: true; value: T } | { ok: false; error: string };

export interface ThroughputRun {
  variant: 'raw' | 'gameward' | 'keeper';
  lines: number;
  expected: number;
  elapsedMs: number;
  linesPerSecond: number;
  /** The host process's CPU time (user + system) over the run. */
  hostCpuMs?: number;
  baselineRssBytes: number;
  peakRssBytes: number;
}

export interface ScaleRun {
  variant: 'raw' | 'gameward';
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

/** Kept instances (a keeper each, `stateDir`) at scale, and their adoption by a new host. */
export interface KeeperScaleRun {
  count: number;
  startAllMs: number;
  /** Median VmRSS of one keeper (dash) alone. */
  keeperRssBytes: number;
  /** Median VmRSS of one keeper plus its helpers (split, cat), summed. */
  treeRssBytes: number;
  /** PSS of every keeper and helper, summed, per instance: what the machine really pays. */
  treePssBytes: number;
  helpersPerInstance: number;
  helperNames: string[];
  /** Instances the new host found running with the same pid. */
  adopted: number;
  /** Every instance's refresh(), concurrently, on the new host. */
  adoptAllMs: number;
  stopAllMs: number;
  /** Keepers still alive after the adopting host stopped everything. */
  left: number;
}

/** A scenario of another plane (compose, swarm), shown as the JSON it reported. */
export interface PlaneScenario {
  /** The file, relative to bench/. */
  file: string;
  outcome: Outcome<Record<string, unknown>> | { ok: false; skipped: string };
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
  keeperScale: Outcome<KeeperScaleRun>;
  timers: Outcome<TimersRun>;
  /** bench/compose-exit.ts's JSON as it printed it, when an engine was reachable. */
  compose: Outcome<Record<string, unknown>> | { ok: false; skipped: string };
  /** bench/scenarios/compose-*.ts and swarm-*.ts (other planes' scenarios), when present. */
  planes: PlaneScenario[];
  /** Processes of this bench run still alive at the end (killed, and listed here). */
  leaked: string[];
}
