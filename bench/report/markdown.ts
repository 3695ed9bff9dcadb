import type { BenchReport } from '../lib/results.js';
import { causeOf } from './causes.js';
import { latencyTable, table } from './format.js';
import {
  composeSection,
  keeperSection,
  planesSection,
  scaleSection,
  section,
  throughputSection,
  timersSection,
} from './sections.js';
import { checkTargets } from './targets.js';

/** docs/benchmarks.md: the targets, then one section per benchmark, from one run's report. */
export function renderMarkdown(report: BenchReport): string {
  const m = report.machine;
  const checks = checkTargets(report);
  const verdict = (met: boolean | undefined) =>
    met === undefined ? 'not measured' : met ? 'met' : '**missed**';
  const missed = checks.filter((c) => c.met === false);
  const scale = report.scale.find((o) => o.ok)?.value?.count ?? 1000;
  return `# Benchmarks

Written by \`npm run bench\` (bench/run.ts); do not edit by hand. Every number below comes from one
run, with every peer measured side by side on the same machine, interleaved round by round.

- Machine: ${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB RAM, ${m.os}
- Node ${m.node}; run ${m.date}, took ${report.durationSeconds} s
- Peers: raw \`node:child_process\`, PM2 and respawn (development dependencies of bench/ only)
- gameward's process plane spawns through \`node:child_process\` directly; **gameward (keeper)**
  is the same supervisor with a \`stateDir\`: the server runs under a keeper (a dash script,
  docs/keeper-protocol.md) and outlives the host.

![Medians, with min–max whiskers, on a log scale](benchmarks.svg)

## Targets

Issue 14 (the process plane at the raw child_process cost) and issue 12 (the keeper).

${table(
  ['target', 'measured', 'verdict'],
  checks.map((c) => [c.target, c.measured, verdict(c.met)]),
)}

${missed.length === 0 ? 'Every measured target was met in this run.' : `## Missed targets: the gap and its cause\n\n${missed.map((c) => `- **${c.target}**: measured ${c.measured}. ${causeOf(c.id, report)}`).join('\n')}`}

## Exit detection

\`process.kill(pid, 'SIGKILL')\` of a running \`sleep\`, to the moment each supervisor reports it:
gameward's \`crashed\` state event (as the server's parent, and with a keeper: the keeper records
the exit and ends, the host sees its \`alive\` FIFO close), raw child_process's \`'exit'\`, PM2's
bus \`process:event\` \`exit\` (PM2's daemon sees the exit and tells the client over its socket),
respawn's \`crash\`.

${section(report.exit, latencyTable)}

## Start

From the call to \`running\` for a \`sleep\` process: gameward \`start()\` to its \`running\`
event (with a keeper: the folder prepared, the keeper spawned, its \`meta\` record seen); raw
\`spawn()\` to \`'spawn'\`; PM2 \`start()\` to its callback (process online); respawn \`start()\` to
the child's \`'spawn'\`.

${section(report.startStop, (v) => latencyTable(v.start))}

## Stop

From the call to \`stopped\` for a Node server that honours SIGTERM (and SIGINT, PM2's default):
gameward \`stop()\` to \`stopped\` (the whole process group is signalled and confirmed gone);
raw \`kill('SIGTERM')\` to \`'exit'\`; PM2 \`stop()\` to its callback; respawn \`stop()\` to its callback.

${section(report.startStop, (v) => latencyTable(v.stop))}

## Ready line → running

The server prints \`READY <ns>\` stamped with the monotonic clock (\`process.hrtime\`, shared by
every process on the machine); the latency is from that stamp to gameward's \`running\` event
(readiness pattern \`/^READY \\d+$/\`), against a raw pipe read that splits lines and tests the
same pattern.

${section(report.ready, latencyTable)}

## Output throughput

A child writes 10^6 lines (about 60 bytes each) as fast as the pipe takes them. Each run is its
own process, so its peak RSS (\`process.resourceUsage().maxRSS\`, minus the RSS before the run) is
its own; the variants alternate run by run. gameward keeps the default 1000-line replay ring and
emits every line as an \`output\` event (counted by a listener). Through the keeper, the server
writes into a FIFO that \`split\` drains into segment files, which the host reads (woken by
inotify); the run uses a 256 MiB \`outputCapBytes\` so no segment is dropped while the host reads.
"host CPU" is the reading process's own CPU time (user + system) over the run, start and stop
included: what the reader pays, less at the mercy of the machine's load than lines/s, which the
writer on the same 2 cores mostly sets.

${throughputSection(report.throughput)}

## Scale: ${scale} supervised processes in one host

${scale} \`sleep\` processes started concurrently in one host process; memory after a forced GC,
divided by the count. Then the storm: one \`kill -KILL <pids>\` process kills them all at once
from outside (${scale} \`process.kill\` calls in the host would block its own loop and be counted
against the supervisor), and \`perf_hooks.monitorEventLoopDelay\` (1 ms resolution) runs from that
spawn until every crash has been observed. ${report.scale.find((o) => o.ok)?.value?.storms?.length ?? 'Several'} storms per column (all restarted in between);
the table shows the median one by its worst delay. The raw column is a bare
\`node:child_process\` child with the same three pipes, read and discarded, and an \`'exit'\`
listener. PM2's column is its God daemon (its RSS from \`/proc/<pid>/status\`) holding ${scale}
\`sleep\` apps, and the exit events its bus delivered.

${scaleSection(report)}

## Keepers: memory and adoption

Kept instances (\`stateDir\`), each a \`sh -c 'echo READY; echo warming >&2; exec sleep 1000'\`
server under its own keeper, started by one host that then closes with \`stopOnDispose: false\`
(as an agent being upgraded). Memory from \`/proc/<pid>/status\` (VmRSS) and
\`/proc/<pid>/smaps_rollup\` (Pss) of each keeper and its helpers: one \`split\` per stream, and
the filter each split runs for the current segment once the stream printed something (a \`sh\`
waiting on a \`cat\`: a full disk then drops output instead of the server, docs/keeper-protocol.md).
RSS counts the pages the processes share (the dash, split and cat binaries and libc) once per
process; PSS divides them among the processes sharing them, so it is what the machine pays per
instance. Then a new host with the same ids and \`stateDir\` calls \`refresh()\` on every instance,
and stops them ten at a time (a hundred concurrent \`stop()\`s failed with \`ERR_STOP_FAILED\`
caused by EMFILE: each stop reads the whole process table, /proc/<pid>/stat of every process, with
unbounded concurrency).

${keeperSection(report)}

## A running instance holds no timer

\`process.getActiveResourcesInfo()\` of the host while an instance runs and sits idle, minus what
the host held before it was created: exit detection is event-driven, no poll.

${timersSection(report)}

## Compose

${composeSection(report)}

## Other planes

The compose, swarm and SSH planes' own scenarios (bench/scenarios/compose-*.ts, swarm-*.ts,
remote-*.ts), run when a Docker engine answers, each reported as the measures it returned (in ms
unless named otherwise); their files say what each measures. remote-ssh.ts needs the sshd of
scripts/setup-sshd.sh. A scenario that fails is shown with its error and does not stop the run.

${planesSection(report.planes)}

## Reproduce

\`npm ci && npm run bench\` (installs bench/'s peers with \`npm --prefix bench ci\`). PM2 runs with
\`PM2_HOME=bench/.tmp/pm2\`; its daemon is killed at the end, and the run fails if any process
it started outlives it${report.leaked.length > 0 ? ` (this run found ${report.leaked.length})` : ' (none did in this run)'}. Knobs: \`BENCH_ROUNDS\`,
\`BENCH_LINES\`, \`BENCH_SCALE\`, \`BENCH_STORMS\`, \`BENCH_THROUGHPUT_RUNS\`, \`BENCH_KEEPER_SCALE\`,
\`BENCH_PLANES=0\` (skip the Docker planes). Raw data: bench/.tmp/report.json.
Ratios are medians over medians; min–max shows the spread on a shared, noisy machine. Profiles:
\`node --cpu-prof --expose-gc --import tsx bench/scenarios/<scenario>.ts <variant>\` (bench/README.md).
`;
}
