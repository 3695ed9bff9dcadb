import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import {
  createWriteStream,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Outcome } from './results.js';

export const BENCH = join(dirname(fileURLToPath(import.meta.url)), '..');
export const ROOT = join(BENCH, '..');
/** Scratch space: logs, results, PM2_HOME. Ignored by git. */
export const TMP = join(BENCH, '.tmp');
export const PM2_HOME = join(TMP, 'pm2');
/** Every process of this bench run inherits it, so survivors can be found and killed. */
export const RUN_MARK = `GAMEWARD_BENCH_RUN=${randomUUID()}`;

export interface ChildOptions {
  /** Starts node with --expose-gc. */
  gc?: boolean;
  /** Killed after this long (default 5 minutes). */
  timeoutMs?: number;
  /** A log file name under bench/.tmp/logs (default: the scenario's). */
  log?: string;
  /** Extra environment (DOCKER_HOST for a scenario measured on podman). */
  env?: Record<string, string>;
}

/** Runs one scenario file in its own node process and returns what it reported. */
export async function runChild<T>(
  file: string,
  args: string[] = [],
  options: ChildOptions = {},
): Promise<Outcome<T>> {
  const logs = join(TMP, 'logs');
  mkdirSync(logs, { recursive: true });
  const name = options.log ?? [basename(file, '.ts'), ...args].join('-');
  const resultFile = join(TMP, `${name}.json`);
  rmSync(resultFile, { force: true });
  const log = createWriteStream(join(logs, `${name}.log`));
  const [key, value] = RUN_MARK.split('=') as [string, string];
  const child = spawn(
    process.execPath,
    [...(options.gc ? ['--expose-gc'] : []), '--import', 'tsx', join(BENCH, file), ...args],
    {
      cwd: ROOT,
      env: { ...process.env, ...options.env, BENCH_RESULT: resultFile, PM2_HOME, [key]: value },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stdout = '';
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stdout.pipe(log, { end: false });
  child.stderr.pipe(log, { end: false });
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 300_000);
  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) =>
    child.once('close', (c, s) => resolve([c, s])),
  );
  clearTimeout(timer);
  log.end();
  if (code === 0 && existsSync(resultFile)) {
    return { ok: true, value: JSON.parse(readFileSync(resultFile, 'utf8')) as T };
  }
  // A script that does not know BENCH_RESULT may print its JSON object last on stdout.
  const printed = code === 0 ? lastJsonObject(stdout) : undefined;
  if (printed !== undefined) return { ok: true, value: printed as T };
  return {
    ok: false,
    error: `${file} ${args.join(' ')} ended with ${signal ?? `exit code ${code}`}: ${why(join(logs, `${name}.log`))}`,
  };
}

/** The likeliest reason in a failed scenario's log: its last error line, else its last lines. */
function why(log: string): string {
  const lines = readFileSync(log, 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('at ') && !/^[{}[\]()]+$/.test(l));
  const thrown = lines.findLast((l) => /^\w*Error: /.test(l));
  const error = thrown ?? lines.findLast((l) => /ERR_[A-Z_]+|Cannot |failed|timed out/.test(l));
  return error ?? lines.slice(-3).join(' / ');
}

/** Kills (SIGKILL) every process carrying this run's mark, and returns what it found. */
export function sweepLeaks(): string[] {
  const needle = `${RUN_MARK}\0`;
  const found: string[] = [];
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid) || pid === process.pid) continue;
    try {
      if (!readFileSync(`/proc/${pid}/environ`, 'latin1').includes(needle)) continue;
      // A zombie is gone already; its parent reaps it.
      if (/^\d+ \(.*\) Z /s.test(readFileSync(`/proc/${pid}/stat`, 'latin1'))) continue;
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'latin1').replaceAll('\0', ' ').trim();
      process.kill(pid, 'SIGKILL');
      found.push(`${pid} ${cmdline}`);
    } catch {
      // Gone in the meantime, or not ours.
    }
  }
  return found;
}

/** Kills a PM2 daemon an interrupted earlier run left under bench/.tmp/pm2 (never another one). */
export function killStalePm2(): void {
  const pidFile = join(PM2_HOME, 'pm2.pid');
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, 'utf8').trim());
  try {
    if (readFileSync(`/proc/${pid}/cmdline`, 'latin1').includes('PM2'))
      process.kill(pid, 'SIGKILL');
  } catch {
    // Not running.
  }
  rmSync(PM2_HOME, { recursive: true, force: true });
}

/** The last top-level JSON object in `text` (a script's report printed after its progress lines). */
function lastJsonObject(text: string): unknown {
  for (let start = text.lastIndexOf('\n{'); ; start = text.lastIndexOf('\n{', start - 1)) {
    try {
      return JSON.parse(text.slice(start + 1));
    } catch {
      if (start <= 0) break;
    }
  }
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
