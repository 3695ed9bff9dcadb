import type { BenchReport, Outcome, ScaleRun, ThroughputRun } from '../lib/results.js';
import { summarize } from '../lib/stats.js';
import { bytes, ms, table } from './format.js';

/** The note a section shows when its scenario failed. */
export const failed = (o: { ok: boolean; error?: string }): string =>
  `Not measured in this run: ${o.error ?? 'unknown failure'}`;

/** A section's body, or why it has none. */
export function section<T>(outcome: Outcome<T>, render: (value: T) => string): string {
  return outcome.ok ? render(outcome.value) : failed(outcome);
}

export function throughputSection(outcomes: Outcome<ThroughputRun>[]): string {
  const runs = outcomes.flatMap((o) => (o.ok ? [o.value] : []));
  const errors = outcomes.flatMap((o) => (o.ok ? [] : [failed(o)]));
  const rows = (['raw', 'gameward'] as const).map((variant) => {
    const mine = runs.filter((r) => r.variant === variant);
    const rate = summarize(mine.map((r) => r.linesPerSecond / 1e6));
    const growth = summarize(mine.map((r) => r.peakRssBytes - r.baselineRssBytes));
    const lines = mine.map((r) => r.lines).join(', ');
    return [
      variant === 'raw' ? 'raw pipe, split into line strings' : '**gameward** `output` events',
      `${rate.median.toFixed(2)} M/s`,
      `${rate.min.toFixed(2)} – ${rate.max.toFixed(2)} M/s`,
      `${bytes(growth.median)} (max ${bytes(growth.max)})`,
      String(mine.length),
      lines === '' ? 'n/a' : mine.every((r) => r.lines === r.expected) ? 'all' : lines,
    ];
  });
  return [
    table(
      ['reader', 'lines/s median', 'min – max', 'peak RSS growth', 'runs', 'lines received'],
      rows,
    ),
    ...errors,
  ].join('\n\n');
}

export function scaleSection(report: BenchReport): string {
  const runs = report.scale.flatMap((o) => (o.ok ? [o.value] : []));
  const pm2 = report.pm2Scale.ok ? report.pm2Scale.value : undefined;
  const columns = (['raw', 'execa', 'gameward'] as const).map((v) =>
    runs.find((r) => r.variant === v),
  );
  const row = (label: string, f: (r: ScaleRun) => string, pm2Cell: string): string[] => [
    label,
    ...columns.map((r) => (r === undefined ? 'n/a' : f(r))),
    pm2Cell,
  ];
  const p = (f: (x: NonNullable<typeof pm2>) => string, other = 'n/a'): string =>
    pm2 === undefined ? other : f(pm2);
  const rows = [
    row(
      'processes',
      (r) => String(r.count),
      p((x) => `${x.online} of ${x.count}`),
    ),
    row(
      'start all (concurrently)',
      (r) => ms(r.startAllMs),
      p((x) => ms(x.startAllMs)),
    ),
    row('host heap per instance', (r) => bytes(r.heapPerInstanceBytes), 'n/a (daemon)'),
    row(
      'host RSS per instance',
      (r) => bytes(r.rssPerInstanceBytes),
      p((x) => `${bytes(x.rssPerProcessBytes)} (God daemon)`),
    ),
    row(
      'storm: every crash observed after',
      (r) => ms(r.storm.durationMs),
      p((x) => ms(x.storm.durationMs)),
    ),
    row(
      'storm: crash events observed',
      (r) => String(r.storm.observed),
      p((x) => `${x.storm.observed} (bus exit events)`),
    ),
    row(
      'storm: event-loop delay p50 / p99 / max',
      (r) => `${ms(r.storm.p50Ms)} / ${ms(r.storm.p99Ms)} / ${ms(r.storm.maxMs)}`,
      'n/a (daemon)',
    ),
    row('storm: event-loop delay samples', (r) => String(r.storm.samples), ''),
    row(
      'storm: worst delay of each storm',
      (r) => (r.storms ?? [r.storm]).map((x) => ms(x.maxMs)).join(', '),
      '',
    ),
  ];
  const errors = [...report.scale, report.pm2Scale].flatMap((o) => (o.ok ? [] : [failed(o)]));
  return [
    table(['', 'raw child_process', 'execa alone', '**gameward**', 'PM2'], rows),
    ...errors,
  ].join('\n\n');
}

export function timersSection(report: BenchReport): string {
  return section(report.timers, (t) =>
    table(
      ['instance', `host handles added while running (after ${t.idleMs} ms idle)`, 'after stop()'],
      t.cases.map((c) => [
        c.name,
        Object.entries(c.running)
          .map(([k, v]) => `${k} ×${v}`)
          .join(', ') || 'none',
        Object.entries(c.stopped)
          .map(([k, v]) => `${k} ×${v}`)
          .join(', ') || 'none',
      ]),
    ),
  );
}

/** A compose measure: a latency summary, a list, or a plain value. */
function composeValue(value: unknown): string {
  if (Array.isArray(value)) {
    return value.length === 0 ? 'none' : value.map((v) => `\`${String(v)}\``).join('<br>');
  }
  if (typeof value === 'object' && value !== null) {
    const v = value as Record<string, number>;
    if (typeof v.medianMs === 'number') {
      return `median ${ms(v.medianMs)} (${ms(v.minMs ?? Number.NaN)} – ${ms(v.maxMs ?? Number.NaN)}), p95 ${ms(v.p95Ms ?? Number.NaN)}, n ${v.runs}`;
    }
    return JSON.stringify(value);
  }
  return typeof value === 'number' ? String(Math.round(value * 100) / 100) : String(value);
}

export function composeSection(report: BenchReport): string {
  const c = report.compose;
  if (!c.ok) return 'skipped' in c ? `Not measured in this run: ${c.skipped}.` : failed(c);
  const rows: string[][] = [];
  for (const [key, value] of Object.entries(c.value)) {
    const nested = typeof value === 'object' && value !== null && !Array.isArray(value);
    if (nested && typeof (value as { medianMs?: unknown }).medianMs !== 'number') {
      for (const [k, v] of Object.entries(value)) rows.push([`${key}.${k}`, composeValue(v)]);
    } else {
      rows.push([key, composeValue(value)]);
    }
  }
  return `ComposeSupervisor on the real engine (bench/compose-exit.ts): \`killToCrashed\` is from
spawning \`docker kill\` of a selected container to the \`crashed\` event, \`exitToCrashed\` from
the container's \`FinishedAt\` to that event; \`idle\` counts the docker CLI processes spawned
while a running stack sits idle, and lists the long-lived ones it holds.

${table(['measure', 'value'], rows)}`;
}
