import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, writeFileSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** bench/fixtures, where the stand-in servers live. */
export const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures');
export const SERVER = join(FIXTURES, 'server.mjs');
export const FLOOD = join(FIXTURES, 'flood.mjs');

/** Milliseconds on the monotonic high-resolution clock. */
export const now = (): number => performance.now();

/** The monotonic clock in nanoseconds, comparable across processes on one machine. */
export const monoNs = (): bigint => process.hrtime.bigint();

/** Hands the scenario's result to the runner (the file named by BENCH_RESULT). */
export function writeResult(result: unknown): void {
  const file = process.env.BENCH_RESULT;
  if (file === undefined) {
    console.log(JSON.stringify(result, null, 2));
    return;
  }
  writeFileSync(file, JSON.stringify(result));
}

/** Runs `main`, reporting a failure on stderr with a non-zero exit code. */
export function runScenario(main: () => Promise<unknown>): void {
  main().then(
    (result) => {
      writeResult(result);
      // Peers (PM2's client socket) may hold the loop open; the result is written.
      process.exit(0);
    },
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}

/** A short pause so one measurement's aftermath (reaping, pipe closes) does not skew the next. */
export const settle = (ms = 15): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Spawns like the raw baseline does: pipes on every stream, read and discarded. */
export function rawSpawn(file: string, args: string[]): ChildProcess {
  const child = spawn(file, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  child.stdout?.resume();
  child.stderr?.resume();
  return child;
}

/** Resolves once `child` has exited (at once if it already has). */
export async function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  await once(child, 'exit');
}

/** Per-peer samples in milliseconds, and why a peer has none. */
export interface PeerSamples {
  samples: Record<string, number[]>;
  errors: Record<string, string>;
}

/**
 * Measures every peer `rounds` times, interleaved (a, b, c, a, b, c...) so drift in the machine's
 * load spreads over all of them. A peer that fails is dropped with its error, the others go on.
 */
export async function interleave(
  rounds: number,
  peers: Record<string, () => Promise<number>>,
): Promise<PeerSamples> {
  const result: PeerSamples = { samples: {}, errors: {} };
  for (const name of Object.keys(peers)) result.samples[name] = [];
  for (let round = 0; round < rounds; round += 1) {
    for (const [name, measure] of Object.entries(peers)) {
      if (result.errors[name] !== undefined) continue;
      try {
        result.samples[name]?.push(await measure());
      } catch (error) {
        result.errors[name] = error instanceof Error ? error.message : String(error);
        console.error(`${name}: ${result.errors[name]}`);
      }
      await settle();
    }
  }
  return result;
}

/** Resolves when `check()` holds (polled every 5 ms: harness only, never measured), or throws. */
export async function until(check: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** The absolute path of a command on PATH (PM2 wants a path for a binary). */
export function onPath(name: string): string {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const file = join(dir, name);
    if (dir !== '' && existsSync(file)) return file;
  }
  throw new Error(`${name} is not on PATH`);
}

/** Resolves with the time of the first `event` that passes `filter`, taken inside the listener. */
export function stamp<A extends unknown[]>(
  emitter: {
    on(e: string, l: (...a: A) => void): unknown;
    off(e: string, l: (...a: A) => void): unknown;
  },
  event: string,
  filter: (...args: A) => boolean = () => true,
): Promise<number> {
  return new Promise((resolve) => {
    const listener = (...args: A): void => {
      if (!filter(...args)) return;
      const at = now();
      emitter.off(event, listener);
      resolve(at);
    };
    emitter.on(event, listener);
  });
}
