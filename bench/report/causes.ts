import type { BenchReport, ScaleRun } from '../lib/results.js';
import { bytes, ms, RAW, summaries } from './format.js';

/**
 * Why a target can be missed on this code, from CPU profiles of the scenario (bench/README.md
 * says how) and from the execa-alone and raw columns measured in the same run. Printed under
 * "Missed targets" next to the measured gap, only for the targets the run missed.
 */
export const causes: Record<string, (report: BenchReport) => string> = {
  'exit-2x': (r) => {
    const s = r.exit.ok ? summaries(r.exit.value) : new Map();
    const extra = (s.get('gameward')?.median ?? Number.NaN) - (s.get(RAW)?.median ?? Number.NaN);
    return `gameward listens to the same child \`'exit'\` event as raw child_process (no poll); the
    ${ms(extra)} it adds at the median is execa's exit bookkeeping (its result and error objects,
    aborting its internal signals) and the state transition with its listeners, which run before
    the \`crashed\` event. At sub-millisecond scale the machine's load moves both sides: compare
    the min–max columns.`;
  },
  'start-1.5x': () =>
    `Beyond raw \`spawn()\`, \`start()\` queues behind any lifecycle call in progress, looks the
    executable up on PATH, goes through execa's option handling and stream wrappers, and emits
    \`starting\` then \`running\`; spawning itself (fork/exec of a large host process) dominates both.`,
  'throughput-70': () =>
    `Per line gameward stamps the time, builds an \`OutputLine\`, pushes it into two rings (the
    run's crash-report lines and the 1000-line replay ring), tests the readiness matcher until
    ready, and emits the \`output\` event through a copy of the listener array; the raw baseline
    only splits strings. The flooding child and the reader share 2 cores, so runs swing with the
    machine's load (see min–max).`,
  'storm-p99': (r) => {
    const run = (v: ScaleRun['variant']) =>
      r.scale.flatMap((o) => (o.ok && o.value.variant === v ? [o.value] : []))[0];
    const raw = run('raw');
    const execa = run('execa');
    const gw = run('gameward');
    const perCrash = (x: ScaleRun | undefined) =>
      x === undefined ? 'n/a' : `${Math.round((x.storm.maxMs * 1000) / x.count)} µs`;
    const extra =
      raw === undefined || gw === undefined
        ? 'n/a'
        : `${Math.round(((gw.storm.maxMs - raw.storm.maxMs) * 1000) / gw.count)} µs`;
    return `The exits are handled on the host's one thread. libuv reaps children by calling
    waitpid on each child handle whenever SIGCHLD arrives, then runs the exit callbacks of all that
    died in the same loop turn, and their pipes' EOFs arrive together in the next poll phase; so
    whatever runs per exit blocks the loop in long stretches (a blocked loop yields one histogram
    sample, hence p50 ≈ p99 ≈ max). Raw child_process with nothing attached already blocks
    ${ms(raw?.storm.maxMs ?? Number.NaN)} here (${perCrash(raw)} per crash); gameward blocks
    ${ms(gw?.storm.maxMs ?? Number.NaN)} (${perCrash(gw)}), i.e. ${extra} per crash on top of
    Node's own handling. A CPU profile of gameward's storm shows that share mostly in its spawn
    layer, execa (per exit: a result object and an error with a captured stack, AbortSignals
    aborted with DOMExceptions, the teardown of three pipe streams, and the garbage of all that);
    execa alone, driven the same way with nothing on top, blocks
    ${ms(execa?.storm.maxMs ?? Number.NaN)} (${perCrash(execa)}). The state transitions and events
    are a small share. ${
      (raw?.storm.maxMs ?? 0) >= 50
        ? `The target is below what node:child_process itself achieves for ${raw?.count} simultaneous deaths on this machine; gameward's own share could shrink only by spawning through node:child_process instead of execa.`
        : `gameward's share could shrink by spawning through node:child_process instead of execa.`
    } ${gw !== undefined && gw.storm.observed === gw.count ? 'No crash event is lost.' : ''}`;
  },
  'memory-pm2': (r) => {
    const run = (v: ScaleRun['variant']) =>
      r.scale.flatMap((o) => (o.ok && o.value.variant === v ? [o.value] : []))[0];
    const heap = (v: ScaleRun['variant']) => bytes(run(v)?.heapPerInstanceBytes ?? Number.NaN);
    return `Each instance holds its own execa subprocess: execa alone costs ${heap('execa')} of heap
    per child in this run against ${heap('raw')} for a bare node:child_process child with the same
    pipes (its promises, stream wrappers, abort controllers and listeners), of gameward's
    ${heap('gameward')}. The rest is the supervisor itself (its state channel, emitter, line
    splitters, crash policy; the replay ring grows only with output). PM2 pays its ${bytes(
      r.pm2Scale.ok ? r.pm2Scale.value.rssPerProcessBytes : Number.NaN,
    )} per process in its own daemon instead of the host.`;
  },
};

/** The recorded cause of a missed target, or a plain note when none is recorded. */
export function causeOf(id: string, report: BenchReport): string {
  const cause = causes[id];
  return cause === undefined
    ? 'No analysis recorded for this target.'
    : cause(report).replaceAll(/\s*\n\s*/g, ' ');
}
