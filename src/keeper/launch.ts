import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  realpathSync,
  renameSync,
  rmSync,
  watch,
  writeFileSync,
} from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { describeGot, GamewardError } from '../errors.js';
import { adoptKept } from './adopt.js';
import { detachedStdio } from './detached-stdio.js';
import { KEEPER_SCRIPT } from './keeper-script.js';
import { type KeptHandlers, KeptServer } from './kept-server.js';
import {
  DEFAULT_OUTPUT_CAP_BYTES,
  isKeeperFileName,
  type KeptPaths,
  keptPaths,
  MIN_OUTPUT_CAP_BYTES,
  PROTOCOL_VERSION,
  SEGMENTS_KEPT,
} from './layout.js';
import { parseExit, parseMeta, START_CURSOR } from './records.js';

/** What {@link launchKept} starts. */
export interface KeptSpec {
  /** The instance folder, `<stateDir>/<id>`: created with mode 0700 if missing. */
  readonly dir: string;
  /** The executable: a path, or a name looked up in `env.PATH` by the keeper's shell. */
  readonly file: string;
  readonly args: readonly string[];
  readonly cwd: string;
  /** The server's whole environment (the keeper adds only `GAMEWARD_KEPT`). */
  readonly env: Readonly<Record<string, string>>;
  /** Bytes retained per stream while no host reads them (default 16 MiB, at least 16 KiB). */
  readonly outputCapBytes?: number | undefined;
  /** How long the keeper may take to spawn the server (default 10 s). */
  readonly startTimeoutMs?: number;
}

const DEFAULT_START_TIMEOUT_MS = 10_000;

function fail(field: string, value: unknown, expected: string): never {
  throw new GamewardError(
    'ERR_INVALID_CONFIG',
    `Expected \`${field}\` to be ${expected}, got ${describeGot(value)}`,
  );
}

function validateSpec(spec: KeptSpec): { cap: number; timeoutMs: number } {
  if (typeof spec.dir !== 'string' || !isAbsolute(spec.dir))
    fail('dir', spec.dir, 'an absolute path');
  if (typeof spec.file !== 'string' || spec.file === '' || spec.file.includes('\0')) {
    fail('file', spec.file, 'a non-empty string');
  }
  if (
    !Array.isArray(spec.args) ||
    spec.args.some((arg) => typeof arg !== 'string' || arg.includes('\0'))
  ) {
    fail('args', spec.args, 'an array of strings without NUL');
  }
  if (typeof spec.cwd !== 'string' || !isAbsolute(spec.cwd))
    fail('cwd', spec.cwd, 'an absolute path');
  if (typeof spec.env !== 'object' || spec.env === null)
    fail('env', spec.env, 'an object of strings');
  const cap = spec.outputCapBytes ?? DEFAULT_OUTPUT_CAP_BYTES;
  if (!Number.isSafeInteger(cap) || cap < MIN_OUTPUT_CAP_BYTES) {
    fail('outputCapBytes', spec.outputCapBytes, `an integer >= ${MIN_OUTPUT_CAP_BYTES}`);
  }
  const timeoutMs = spec.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS;
  if (!Number.isSafeInteger(timeoutMs) || timeoutMs <= 0)
    fail('startTimeoutMs', spec.startTimeoutMs, 'a positive integer');
  return { cap, timeoutMs };
}

/** Creates the folder (0700, whatever the umask) and empties it of an earlier run's files. */
async function prepareFolder(spec: KeptSpec): Promise<KeptPaths> {
  mkdirSync(spec.dir, { recursive: true, mode: 0o700 });
  chmodSync(spec.dir, 0o700);
  const paths = keptPaths(realpathSync(spec.dir));
  const found = await adoptKept(paths.dir, {});
  if (found.kind === 'running') {
    found.server.detach();
    throw new GamewardError(
      'ERR_ALREADY_RUNNING',
      `A kept server already runs in ${paths.dir} (pid ${found.server.pid})`,
    );
  }
  for (const name of readdirSync(paths.dir))
    if (isKeeperFileName(name)) rmSync(join(paths.dir, name), { force: true });
  // Written whole then renamed: a keeper never reads a half-written script.
  const temp = join(paths.dir, `.keeper.sh.${process.pid}.tmp`);
  writeFileSync(temp, KEEPER_SCRIPT, { mode: 0o600 });
  renameSync(temp, paths.script);
  const record = { version: PROTOCOL_VERSION, file: spec.file, args: spec.args, cwd: spec.cwd };
  writeFileSync(`${paths.spec}.tmp`, `${JSON.stringify(record)}\n`, { mode: 0o600 });
  renameSync(`${paths.spec}.tmp`, paths.spec);
  return paths;
}

/**
 * Starts `spec.file` under a new keeper and resolves once the server runs (its `meta` written).
 * The keeper is detached (own session), unref'd and holds none of the host's fds, so it and the
 * server outlive the host; a later host takes them over with {@link adoptKept}. Rejects with
 * ERR_ALREADY_RUNNING when the folder's server still runs, ERR_EXECUTABLE_NOT_FOUND,
 * ERR_SPAWN_FAILED or ERR_TIMEOUT.
 */
export async function launchKept(spec: KeptSpec, handlers: KeptHandlers = {}): Promise<KeptServer> {
  const { cap, timeoutMs } = validateSpec(spec);
  const paths = await prepareFolder(spec);
  const token = randomBytes(16).toString('hex');
  const segmentBytes = Math.floor(cap / SEGMENTS_KEPT);
  const { stdio, release } = detachedStdio();
  const keeper = spawn(
    '/bin/sh',
    [paths.script, String(segmentBytes), String(SEGMENTS_KEPT), token, spec.file, ...spec.args],
    { cwd: spec.cwd, env: spec.env, detached: true, stdio },
  );
  release();
  keeper.unref();
  // A late error (there is none once spawned) must never crash the host.
  keeper.on('error', () => {});
  await waitForMeta(paths, keeper, timeoutMs);
  const meta = parseMeta(readFileSync(paths.meta, 'latin1'), paths.meta);
  return new KeptServer(paths, meta, START_CURSOR, handlers, false);
}

/** Resolves when `meta` exists; rejects when the keeper ends first, fails to spawn, or is late. */
function waitForMeta(
  paths: KeptPaths,
  keeper: ReturnType<typeof spawn>,
  timeoutMs: number,
): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const watcher = watch(paths.dir, { persistent: false }, () => check());
    const timer = setTimeout(() => {
      finish();
      if (keeper.pid !== undefined) process.kill(-keeper.pid, 'SIGKILL');
      reject(
        new GamewardError(
          'ERR_TIMEOUT',
          `The keeper in ${paths.dir} did not start the server within ${timeoutMs} ms`,
        ),
      );
    }, timeoutMs);
    const onError = (error: Error) => {
      finish();
      reject(
        new GamewardError(
          'ERR_SPAWN_FAILED',
          `Could not start a keeper in ${paths.dir}: ${error.message}`,
          { cause: error },
        ),
      );
    };
    const onExit = () => {
      if (existsSync(paths.meta)) return check();
      finish();
      reject(launchFailure(paths));
    };
    function finish(): void {
      watcher.close();
      clearTimeout(timer);
      keeper.off('error', onError);
      keeper.off('exit', onExit);
    }
    function check(): void {
      if (!existsSync(paths.meta)) return;
      finish();
      resolve();
    }
    keeper.on('error', onError);
    keeper.on('exit', onExit);
    check();
  });
}

/** Why a keeper ended before its server ran, from its exit record and logs. */
function launchFailure(paths: KeptPaths): GamewardError {
  const read = (path: string) => {
    try {
      return readFileSync(path, 'utf8').trim();
    } catch {
      return '';
    }
  };
  const stderr = [read(paths.keeperLog), read(join(paths.dir, 'err.00000000'))]
    .filter(Boolean)
    .join('\n');
  let status: number | undefined;
  try {
    status = parseExit(read(paths.exit), paths.exit).status;
  } catch {
    status = undefined;
  }
  const code = status === 127 ? 'ERR_EXECUTABLE_NOT_FOUND' : 'ERR_SPAWN_FAILED';
  return new GamewardError(
    code,
    `The keeper in ${paths.dir} could not start the server (status ${status ?? 'unknown'})${stderr ? `: ${stderr}` : ''}`,
    {
      exitCode: status,
      stderr,
    },
  );
}
