// Re-renders docs/benchmarks.md and docs/benchmarks.svg from the last run's raw data
// (bench/.tmp/report.json), for when only the report's wording changed: `npx tsx bench/render.ts`.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BenchReport } from './lib/results.js';
import { ROOT, TMP } from './lib/runner.js';
import { renderChart } from './report/chart.js';
import { renderMarkdown } from './report/markdown.js';

const report = JSON.parse(readFileSync(join(TMP, 'report.json'), 'utf8')) as BenchReport;
writeFileSync(join(ROOT, 'docs', 'benchmarks.md'), renderMarkdown(report));
writeFileSync(join(ROOT, 'docs', 'benchmarks.svg'), renderChart(report));
console.log(
  'bench: re-rendered docs/benchmarks.md and docs/benchmarks.svg from bench/.tmp/report.json',
);
