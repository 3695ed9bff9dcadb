import type { BenchReport, ScaleRun, ThroughputRun } from '../lib/results.js';
import { bytes, KEPT, median, ms, RAW, summaries } from './format.js';
import { throughputRate } from './targets.js';

/**
 * Why a target can be missed on this code, from CPU profiles and timing splits of the scenarios
 * (bench/README.md says how to take them) and from the columns measured in the same run. Printed
 * under "Missed targets" next to the measured gap, only for the targets the run missed.
 */
export const causes: Record<string, (report: BenchReport) => string> = {
  'start-1.2x': (r) => {
    const s = r.startStop.ok ? summaries(r.startStop.value.start) : new Map();
    const extra = (s.get('gameward')?.median ?? Number.NaN) - (s.get(RAW)?.median ?? Number.NaN);
    return `gameward adds ${ms(extra)} at the median to a spawn that itself takes as long as
    raw's (fork/exec of a large host process dominates both). A timing split of start()
    (wrapping the plane's methods and \`child_process.spawn\`, 200 rounds) puts about 0.2 ms
    before the spawn (the call queue, \`observe()\` so that a second copy is never launched, the
    executable check, the \`starting\` transition and its AbortSignal listeners), about
    0.15–0.2 ms after it in \`HostWatchdog.register()\` (a pipe write to the host's watchdog
    \`sh\`, which wakes that process on a 2-core machine: \`writeUtf8String\` is the largest
    self-time entry of gameward's own code in the CPU profile), and about 0.05 ms from
    \`'spawn'\` to \`running\`. Taking the watchdog write off the start path (batch the
    registrations of one tick into one write, after \`ready()\`) is the one change that brings the
    ratio near the bound; it lives in src/keeper/host-watchdog.ts and src/process/process-plane.ts.`;
  },
  'exit-1.2x': (r) => {
    const s = r.exit.ok ? summaries(r.exit.value) : new Map();
    const extra = (s.get('gameward')?.median ?? Number.NaN) - (s.get(RAW)?.median ?? Number.NaN);
    return `gameward listens to the same child \`'exit'\` event as raw child_process (no poll);
    the ${ms(extra)} it adds at the median is synchronous work between that event and the
    \`crashed\` event. A timing split (200 rounds) gives about 50 µs for
    \`HostWatchdog\`'s \`del\` (a pipe write to the watchdog \`sh\`), about 50 µs for the SIGKILL
    of the dead server's process group (\`process.kill(-pgid)\` of a group that is usually empty
    already: Node throws ESRCH as an ErrnoException with a captured stack), and about 70 µs for
    the crash policy's verdict and the transition. (The drain of the last output lines used to
    arm a timer and two socket timeouts per exit; it now arms nothing when the pipes closed with
    the exit, and one shared timer otherwise.) Since that profile, \`#onExit\` reports the exit
    first and unregisters and kills the group after it, in the same tick, and ESRCH no longer
    captures a stack (1.68× before these, in the run before this one). The watchdog's writes are
    deliberately not batched per tick: a server must be registered in the tick it was spawned,
    or a host SIGKILLed in between would leave it an orphan. What remains is the crash policy's
    verdict, the transition and the watchdog's \`del\`, a few tens of µs each: under a
    millisecond in all, on an exit that raw child_process itself reports in about 0.7 ms.`;
  },
  'heap-10k': (r) => {
    const run = (v: ScaleRun['variant']) =>
      r.scale.flatMap((o) => (o.ok && o.value.variant === v ? [o.value] : []))[0];
    return `A raw child holds ${bytes(run('raw')?.heapPerInstanceBytes ?? Number.NaN)}; a
    supervised instance also holds the supervisor (an EventEmitter with its state channel, call
    queue, crash desk and policy, two output rings that grow only with output, the normalized
    config), the plane and its run (line splitters, the executable resolver, the watchdog
    registration with its token and line) and the child's environment copy.`;
  },
  'throughput-90': (r) => {
    const share = throughputRate(r, 'gameward') / throughputRate(r, 'raw');
    const cpu = (v: ThroughputRun['variant']) =>
      median(
        r.throughput.flatMap((o) =>
          o.ok && o.value.variant === v && o.value.hostCpuMs !== undefined
            ? [o.value.hostCpuMs]
            : [],
        ),
      );
    return `At ${(share * 100).toFixed(0)}% the gap is per line: the host spends
    ${ms(cpu('gameward'))} of CPU on the 10^6 lines against ${ms(cpu('raw'))} for the raw
    reader (the "host CPU" column), about ${Math.round(((cpu('gameward') - cpu('raw')) / 1000) * 1000)} ns
    more per line. For each line gameward builds an \`OutputLine\` (stream, text, time), pushes
    it into two rings (the run's crash-report lines and the replay ring), tests the readiness
    matcher until ready, and emits the \`output\` event through a copy of the listener array
    (\`rawListeners()\` in SupervisorCore's \`#emit\`, one array per line); the raw baseline only
    splits strings. The splitting itself is cheaper than the raw reader's (a microbenchmark of
    LineSplitter: 23 ns a line against 31 ns for \`split('\\n')\`); the rings and the hub add
    about 25 ns, the emit about 25 ns, the plane and core callbacks and their garbage the rest.
    The reader is idle most of the run (the writer sets the pace), so the extra CPU costs
    throughput mainly because the writer shares the 2 cores with it; runs swing with the
    machine's load (see min–max).`;
  },
  'rss-half-pm2': (r) => {
    const run = (v: ScaleRun['variant']) =>
      r.scale.flatMap((o) => (o.ok && o.value.variant === v ? [o.value] : []))[0];
    const pm2 = r.pm2Scale.ok ? r.pm2Scale.value.rssPerProcessBytes : Number.NaN;
    return `A bare node:child_process child with the same pipes already costs the host
    ${bytes(run('raw')?.rssPerInstanceBytes ?? Number.NaN)} of RSS in this run (its pipe and
    process handles, their stream objects, libuv's buffers), so half of PM2's ${bytes(pm2)}
    leaves gameward ${bytes(pm2 / 2 - (run('raw')?.rssPerInstanceBytes ?? Number.NaN))} for
    everything it adds, while its heap alone adds
    ${bytes((run('gameward')?.heapPerInstanceBytes ?? Number.NaN) - (run('raw')?.heapPerInstanceBytes ?? Number.NaN))}
    (see the heap row) and V8 keeps some slack above the live heap. PM2 pays its ${bytes(pm2)}
    per process in its God daemon rather than in the host. RSS per instance moves by 10 KiB or
    more between runs on this machine.`;
  },
  'storm-1.5x': (r) => {
    const run = (v: ScaleRun['variant']) =>
      r.scale.flatMap((o) => (o.ok && o.value.variant === v ? [o.value] : []))[0];
    const raw = run('raw');
    const gw = run('gameward');
    const perCrash = (x: ScaleRun | undefined) =>
      x === undefined ? 'n/a' : `${Math.round((x.storm.p99Ms * 1000) / x.count)} µs`;
    return `The exits are handled on the host's one thread: libuv reaps every child on SIGCHLD
    and runs the exit callbacks of all that died in the same loop turn, and their pipes' EOFs
    arrive together, so whatever runs per exit blocks the loop in one long stretch (a blocked
    loop yields one histogram sample: p50 ≈ p99 ≈ max). Raw child_process blocks
    ${ms(raw?.storm.p99Ms ?? Number.NaN)} (${perCrash(raw)} per crash), gameward
    ${ms(gw?.storm.p99Ms ?? Number.NaN)} (${perCrash(gw)}). A CPU profile of gameward's storm
    window (bench/.tmp/prof, \`--cpu-prof\` restricted to the storm) shows, beyond raw's own work,
    ErrnoException the largest entry (about 12%: the SIGKILL of each dead server's empty process
    group throws ESRCH with a captured stack), then the handle closes, the state transitions and
    the crash desk's per-crash promise, setImmediate and bounded wait for the last lines. The
    drain's per-exit timer and two socket timeouts, which doubled the block before, are gone.
    The storm's worst delay swings by 2× between storms of the same column on this shared
    machine (see "worst delay of each storm"). The largest of those entries, the stack captured
    for ESRCH, is gone since (2.07× in the run before this one); the watchdog's \`del\` line per
    exit stays (see exit detection). A further per-crash cost is CrashDesk's
    bounded wait for the last lines (\`settleWithin\`: one 2 s timer per crash, armed and
    cleared even when the pipes closed with the exit).`;
  },
  'keeper-rss': (r) => {
    const k = r.keeperScale.ok ? r.keeperScale.value : undefined;
    return `The keeper itself (dash) holds ${bytes(k?.keeperRssBytes ?? Number.NaN)} RSS, within
    the bound and below conmon's 2.2 MiB; its helpers are separate processes: one \`split\` per
    stream, which bounds the output on disk and keeps the server from ever blocking or getting
    SIGPIPE, and the filter each split runs for the current segment once the stream printed
    something: a \`sh\` waiting on a \`cat\`, so that a segment the disk has no room for is read
    to /dev/null instead of failing (split exits when a filter fails, and the server would then
    get EPIPE); that \`sh\` costs about 110 KiB of PSS per stream. Each has its own RSS of about 1.8 MiB, nearly all of it shared
    pages (the binaries and libc) counted again per process, so the summed RSS overstates the
    cost: the PSS of the whole tree is ${bytes(k?.treePssBytes ?? Number.NaN)} per instance. Fewer
    helpers would need the keeper to write the segments itself, which dash cannot do without a
    process per segment.`;
  },
  'keeper-adopt': () =>
    `Adoption reads each folder's records, checks the keeper's and the server's identity in
    /proc (start time, command line, stdout's target), reads the process table for the signal
    path and opens the \`alive\` FIFO and an inotify watch per instance.`,
  'keeper-start-2x': (r) => {
    const s = r.startStop.ok ? summaries(r.startStop.value.start) : new Map();
    return `Start with a keeper (${ms(s.get(KEPT)?.median ?? Number.NaN)}) is a chain of
    processes, each a fork and exec, where the plain path has one: the host prepares the folder
    (adoption check, keeper.sh and spec.json written and renamed) and spawns the keeper's
    \`/bin/sh\`; the keeper runs \`mkfifo\`, starts two \`split\`s, then \`setsid\`, whose
    \`sh -c\` checks the executable, records the server's pid and start time with \`printf\` and
    \`mv\`, and \`exec\`s the server; the host sees \`meta\` appear through inotify. Each fork of
    a process costs about as much as the plain path's one spawn on this machine.`;
  },
  'keeper-exit-2x': (r) => {
    const s = r.exit.ok ? summaries(r.exit.value) : new Map();
    return `With a keeper (${ms(s.get(KEPT)?.median ?? Number.NaN)}), the server's death is seen
    by the keeper, not the host: dash reaps it, writes the \`exit\` record (\`printf\` then
    \`mv\`, a fork and exec), waits for both \`split\`s to drain and end, and exits; only then
    does the host read EOF on the \`alive\` FIFO, drain the last segments and read the record.
    Several process exits and one fork/exec lie on that path, against one \`waitpid\` for the
    plain path. Detecting the server's death directly (a pidfd, or its stdout FIFO's EOF as the
    signal) would need the record to follow rather than precede the event.`;
  },
  'keeper-throughput-80': () =>
    `Through the keeper every byte is written twice more (the FIFO into \`split\`, \`split\`
    into \`cat\` and a segment file) before the host reads it back from the file, woken by
    inotify; on 2 cores those processes compete with the writer and the host.`,
};

/** The recorded cause of a missed target, or a plain note when none is recorded. */
export function causeOf(id: string, report: BenchReport): string {
  const cause = causes[id];
  return cause === undefined
    ? 'No analysis recorded for this target.'
    : cause(report).replaceAll(/\s*\n\s*/g, ' ');
}
