import type {
  BenchReport,
  KeeperScaleRun,
  Outcome,
  PlaneScenario,
  ScaleRun,
  ThroughputRun,
} from '../lib/results.js';
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
  const label = {
    raw: 'raw pipe, split into line strings',
    gameward: '**gameward** `output` events',
    keeper: '**gameward (keeper)** `output` events',
  } as const;
  const raw = summarize(runs.filter((r) => r.variant === 'raw').map((r) => r.linesPerSecond));
  const rows = (['raw', 'gameward', 'keeper'] as const).map((variant) => {
    const mine = runs.filter((r) => r.variant === variant);
    const rate = summarize(mine.map((r) => r.linesPerSecond / 1e6));
    const growth = summarize(mine.map((r) => r.peakRssBytes - r.baselineRssBytes));
    const cpu = summarize(mine.flatMap((r) => (r.hostCpuMs === undefined ? [] : [r.hostCpuMs])));
    const lines = mine.map((r) => r.lines).join(', ');
    return [
      label[variant],
      `${rate.median.toFixed(2)} M/s`,
      `${((rate.median * 1e6 * 100) / raw.median).toFixed(0)}%`,
      `${rate.min.toFixed(2)} – ${rate.max.toFixed(2)} M/s`,
      ms(cpu.median),
      `${bytes(growth.median)} (max ${bytes(growth.max)})`,
      String(mine.length),
      lines === '' ? 'n/a' : mine.every((r) => r.lines === r.expected) ? 'all' : lines,
    ];
  });
  return [
    table(
      [
        'reader',
        'lines/s median',
        'of raw',
        'min – max',
        'host CPU (median)',
        'peak RSS growth',
        'runs',
        'lines received',
      ],
      rows,
    ),
    ...errors,
  ].join('\n\n');
}

export function scaleSection(report: BenchReport): string {
  const runs = report.scale.flatMap((o) => (o.ok ? [o.value] : []));
  const pm2 = report.pm2Scale.ok ? report.pm2Scale.value : undefined;
  const columns = (['raw', 'gameward'] as const).map((v) => runs.find((r) => r.variant === v));
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
  return [table(['', 'raw child_process', '**gameward**', 'PM2'], rows), ...errors].join('\n\n');
}

export function keeperSection(report: BenchReport): string {
  return section(report.keeperScale, (k: KeeperScaleRun) =>
    table(
      ['measure', 'value'],
      [
        ['kept instances', String(k.count)],
        ['start all (concurrently)', ms(k.startAllMs)],
        ['keeper (dash) RSS, median', bytes(k.keeperRssBytes)],
        [
          `keeper + its ${k.helpersPerInstance} helpers (${k.helperNames.join(', ')}), RSS summed, median`,
          bytes(k.treeRssBytes),
        ],
        ['keeper + helpers, PSS per instance (all summed / count)', bytes(k.treePssBytes)],
        ['new host: refresh() of every instance, concurrently', ms(k.adoptAllMs)],
        ['adopted running with the same pid', `${k.adopted} of ${k.count}`],
        ['new host: stop() of every instance, 10 at a time', ms(k.stopAllMs)],
        ['keepers left after the stops', String(k.left)],
      ],
    ),
  );
}

/** Other planes' scenarios, each as the measures it reported (their owners document them). */
export function planesSection(planes: PlaneScenario[] | undefined): string {
  if (planes === undefined || planes.length === 0) {
    return 'No compose-*.ts or swarm-*.ts scenario in bench/scenarios in this run.';
  }
  return planes
    .map(({ file, outcome }) => {
      const body = !outcome.ok
        ? 'skipped' in outcome
          ? `Not measured in this run: ${outcome.skipped}.`
          : failed(outcome)
        : table(['measure', 'value'], flatten(outcome.value));
      return `### bench/${file}\n\n${body}`;
    })
    .join('\n\n');
}

/** Rows for a reported JSON object: nested objects as dotted keys, latency summaries inline. */
function flatten(value: Record<string, unknown>, prefix = ''): string[][] {
  const rows: string[][] = [];
  for (const [key, v] of Object.entries(value)) {
    const name = `${prefix}${key}`;
    const nested = typeof v === 'object' && v !== null && !Array.isArray(v);
    if (nested && typeof (v as { medianMs?: unknown }).medianMs !== 'number') {
      rows.push(...flatten(v as Record<string, unknown>, `${name}.`));
    } else {
      rows.push([name, measureValue(v).replaceAll('|', '\\|')]);
    }
  }
  return rows;
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

/** A measure of another plane: a long list of numbers as its summary, else as compose shows it. */
function measureValue(value: unknown): string {
  if (Array.isArray(value) && value.length > 1 && value.every((v) => typeof v === 'number')) {
    const s = summarize(value as number[]);
    return `median ${round(s.median)} (${round(s.min)} – ${round(s.max)}), n ${s.n}`;
  }
  return composeValue(value);
}

const round = (n: number): string => String(Math.round(n * 100) / 100);

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
