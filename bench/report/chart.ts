import type { BenchReport } from '../lib/results.js';
import type { PeerSamples } from '../lib/scenario.js';
import type { Summary } from '../lib/stats.js';
import { KEPT, ms, RAW, summaries } from './format.js';

const COLORS: Record<string, string> = {
  [RAW]: '#8c8c8c',
  gameward: '#2b7bd6',
  [KEPT]: '#7b4fc9',
  pm2: '#d9822b',
  respawn: '#6aa84f',
};
const WIDTH = 920;
const LABEL = 200;
const PLOT_LEFT = LABEL + 10;
const PLOT_RIGHT = WIDTH - 90;
const BAR = 14;
const GAP = 4;
const GROUP_GAP = 22;
const TOP = 58;

const xml = (text: string): string =>
  text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');

/** A power of ten as an axis label: 0.01 ms, 10 ms, 1 s. */
function tick(v: number): string {
  const clean = Number(v.toPrecision(1));
  return clean >= 1000 ? `${clean / 1000} s` : `${clean} ms`;
}

/** Medians per peer with min–max whiskers, one group per latency benchmark, log-scale ms. */
export function renderChart(report: BenchReport): string {
  const groups: [string, PeerSamples | undefined][] = [
    ['Exit detection (SIGKILL → reported)', report.exit.ok ? report.exit.value : undefined],
    ['Start (call → running)', report.startStop.ok ? report.startStop.value.start : undefined],
    ['Stop (call → stopped)', report.startStop.ok ? report.startStop.value.stop : undefined],
    ['Ready line → running', report.ready.ok ? report.ready.value : undefined],
  ];
  const data = groups.map(([title, samples]) => ({
    title,
    rows: samples === undefined ? [] : [...summaries(samples)],
  }));
  const values = data.flatMap((g) => g.rows.flatMap(([, s]) => [s.min, s.max]));
  const positive = values.filter((v) => v > 0);
  const lo = 10 ** Math.floor(Math.log10(Math.min(...positive, 1)));
  const hi = 10 ** Math.ceil(Math.log10(Math.max(...positive, 10)));
  const x = (v: number): number =>
    PLOT_LEFT +
    ((Math.log10(Math.max(v, lo)) - Math.log10(lo)) / (Math.log10(hi) - Math.log10(lo))) *
      (PLOT_RIGHT - PLOT_LEFT);

  const parts: string[] = [];
  let y = TOP;
  for (const group of data) {
    parts.push(`<text x="10" y="${y + 11}" class="group">${xml(group.title)}</text>`);
    y += 18;
    for (const [peer, s] of group.rows) {
      parts.push(bar(peer, s, y, x));
      y += BAR + GAP;
    }
    if (group.rows.length === 0) {
      parts.push(`<text x="${PLOT_LEFT}" y="${y + 11}">not measured</text>`);
      y += BAR;
    }
    y += GROUP_GAP;
  }
  const height = y + 24;
  const ticks: string[] = [];
  for (let v = lo; v <= hi * 1.0001; v *= 10) {
    ticks.push(
      `<line x1="${x(v)}" y1="${TOP - 6}" x2="${x(v)}" y2="${height - 28}" class="grid"/>`,
      `<text x="${x(v)}" y="${height - 12}" text-anchor="middle" class="tick">${xml(tick(v))}</text>`,
    );
  }
  const legend = Object.entries(COLORS).map(
    ([peer, color], i) =>
      `<rect x="${10 + i * 150}" y="26" width="12" height="12" fill="${color}"/><text x="${28 + i * 150}" y="36">${xml(peer)}</text>`,
  );
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="sans-serif" font-size="12">
<style>.group{font-weight:bold}.grid{stroke:#e3e3e3}.tick{fill:#666;font-size:11px}.whisker{stroke:#333}</style>
<rect width="100%" height="100%" fill="#fff"/>
<text x="10" y="16" font-size="14" font-weight="bold">gameward vs raw child_process, PM2, respawn: medians (bars), min–max (whiskers), log scale — ${xml(report.machine.node)}, ${xml(report.machine.date.slice(0, 10))}</text>
${legend.join('\n')}
${ticks.join('\n')}
${parts.join('\n')}
</svg>
`;
}

function bar(peer: string, s: Summary, y: number, x: (v: number) => number): string {
  const color = COLORS[peer] ?? '#999';
  const mid = y + BAR / 2;
  return [
    `<text x="${LABEL}" y="${y + 11}" text-anchor="end">${xml(peer)}</text>`,
    `<rect x="${PLOT_LEFT}" y="${y}" width="${Math.max(1, x(s.median) - PLOT_LEFT).toFixed(1)}" height="${BAR}" fill="${color}"/>`,
    `<line x1="${x(s.min).toFixed(1)}" y1="${mid}" x2="${x(s.max).toFixed(1)}" y2="${mid}" class="whisker"/>`,
    `<line x1="${x(s.min).toFixed(1)}" y1="${y + 3}" x2="${x(s.min).toFixed(1)}" y2="${y + BAR - 3}" class="whisker"/>`,
    `<line x1="${x(s.max).toFixed(1)}" y1="${y + 3}" x2="${x(s.max).toFixed(1)}" y2="${y + BAR - 3}" class="whisker"/>`,
    `<text x="${(Math.max(x(s.max), x(s.median)) + 6).toFixed(1)}" y="${y + 11}">${xml(ms(s.median))}</text>`,
  ].join('');
}
