import { existsSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { GamewardError } from '../errors.js';
import {
  isKeepersChild,
  type KeptExited,
  type KeptHandlers,
  KeptServer,
  toOutcome,
} from './kept-server.js';
import { KEPT_TOKEN_ENV, type KeptPaths, keptPaths } from './layout.js';
import {
  currentBootId,
  isSameLiveProcess,
  pidsWithEnv,
  runsScript,
  viewProcess,
  writesTo,
} from './proc-identity.js';
import { type KeeperMeta, parseCursor, parseExit, parseMeta } from './records.js';

/** What the caller expects to find in the folder. */
export interface KeptExpectation {
  /** Named in error messages. */
  readonly instanceId?: string;
  /** When set, a folder that ran another executable is refused (ERR_INVALID_STATE). */
  readonly file?: string;
}

/** What {@link adoptKept} found. */
export type AdoptResult =
  | { readonly kind: 'running'; readonly server: KeptServer }
  | KeptExited
  | {
      readonly kind: 'gone';
      readonly reason: 'keeper-killed' | 'reboot' | 'incomplete';
      /** Processes still carrying the server's token, now unmanaged: the caller decides (kill them). */
      readonly strayPids: readonly number[];
    }
  | { readonly kind: 'absent' };

/** How long adoption waits for a launch in progress (spec written, no meta yet) to settle. */
const LAUNCH_GRACE_MS = 10_000;

async function launchSettles(meta: string, exit: string, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (existsSync(meta) || existsSync(exit)) return true;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  return false;
}

/** How long adoption waits for a keeper whose server just ended to finish its record. */
const ENDING_GRACE_MS = 2000;

async function keeperGone(pid: number, start: string | undefined, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (isSameLiveProcess(pid, start) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'latin1');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

function foreign(where: string, expected: KeptExpectation, why: string): GamewardError {
  const who =
    expected.instanceId === undefined ? '' : ` of instance ${JSON.stringify(expected.instanceId)}`;
  return new GamewardError(
    'ERR_INVALID_STATE',
    `Refusing the keeper folder ${where}${who}: ${why}`,
    {
      instanceId: expected.instanceId,
    },
  );
}

/** The folder must be a directory of ours that nobody else can write. */
function checkFolder(dir: string, expected: KeptExpectation): void {
  const stats = statSync(dir);
  if (!stats.isDirectory()) throw foreign(dir, expected, 'it is not a directory');
  if (typeof process.getuid === 'function' && stats.uid !== process.getuid()) {
    throw foreign(dir, expected, `it belongs to uid ${stats.uid}`);
  }
  if ((stats.mode & 0o077) !== 0) {
    throw foreign(dir, expected, `its mode is ${(stats.mode & 0o777).toString(8)}, expected 700`);
  }
}

function checkSpec(paths: KeptPaths, expected: KeptExpectation): void {
  if (expected.file === undefined) return;
  const text = readText(paths.spec);
  let file: unknown;
  try {
    file = text === undefined ? undefined : (JSON.parse(text) as { file?: unknown }).file;
  } catch {
    file = undefined;
  }
  if (file !== expected.file) {
    throw foreign(
      paths.dir,
      expected,
      `it ran ${JSON.stringify(file)}, expected ${JSON.stringify(expected.file)}`,
    );
  }
}

async function strays(meta: KeeperMeta): Promise<number[]> {
  return meta.token === undefined ? [] : pidsWithEnv(KEPT_TOKEN_ENV, meta.token);
}

/**
 * Looks at an instance folder and takes over what runs there. Never adopts or signals a process
 * that is not this folder's: the keeper must run `<dir>/keeper.sh` (real paths compared) and the
 * server's stdout must be `<dir>/out.pipe`; pid, start time and boot id from the files only say
 * where to look. A copied folder, a planted pid or a newer protocol is refused with
 * ERR_INVALID_STATE; a damaged record too. Resolves to:
 * - `running`: the same server, its output replayed from the last host's cursor, then live;
 * - `exited`: it ended while no host was there (its exit record);
 * - `gone`: no keeper and no record (keeper SIGKILLed, or the machine rebooted);
 * - `absent`: nothing was ever launched here.
 */
export async function adoptKept(
  dir: string,
  expected: KeptExpectation,
  handlers: KeptHandlers = {},
): Promise<AdoptResult> {
  let realDir: string;
  try {
    realDir = realpathSync(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { kind: 'absent' };
    throw error;
  }
  checkFolder(realDir, expected);
  const paths = keptPaths(realDir);
  const metaText = readText(paths.meta);
  const exitText = () => readText(paths.exit);
  if (metaText === undefined) {
    if (readText(paths.spec) === undefined) return { kind: 'absent' };
    const record = exitText();
    if (record !== undefined) return toOutcome(parseExit(record, paths.exit));
    // A launch in progress (its host may have died mid-start): the keeper runs on and writes
    // `meta` once its server runs. Wait for it rather than call it gone, or the next start()
    // would launch a second server beside it.
    if (await launchSettles(paths.meta, paths.exit, LAUNCH_GRACE_MS)) {
      return adoptKept(dir, expected, handlers);
    }
    return { kind: 'gone', reason: 'incomplete', strayPids: [] };
  }
  const meta = parseMeta(metaText, paths.meta);
  checkSpec(paths, expected);
  const exited = () => {
    const record = exitText();
    return record === undefined ? undefined : toOutcome(parseExit(record, paths.exit));
  };
  if (meta.bootId !== currentBootId())
    return exited() ?? { kind: 'gone', reason: 'reboot', strayPids: [] };
  const keeperView = viewProcess(meta.keeperPid);
  const keeperLive =
    keeperView !== undefined &&
    !keeperView.zombie &&
    (meta.keeperStart === undefined || keeperView.startTime === meta.keeperStart);
  const bound = keeperLive ? runsScript(meta.keeperPid, paths.script) : 'exiting';
  if (bound !== 'yes') {
    // Same pid and start time but another script: the keeper of the folder this one was copied from.
    if (bound === 'no' && meta.keeperStart !== undefined) {
      throw foreign(
        realDir,
        expected,
        `pid ${meta.keeperPid} runs another folder's keeper (a copied folder?)`,
      );
    }
    return exited() ?? { kind: 'gone', reason: 'keeper-killed', strayPids: await strays(meta) };
  }
  // The server just ended (dead, or a zombie its keeper is about to reap): the keeper is writing
  // the exit record and flushing the output. Wait for it briefly rather than report `running`.
  const serverView = viewProcess(meta.serverPid);
  if (serverView === undefined || serverView.zombie) {
    await keeperGone(meta.keeperPid, meta.keeperStart, ENDING_GRACE_MS);
    const ended = exited();
    if (ended !== undefined) return ended;
  }
  const serverOurs =
    (isSameLiveProcess(meta.serverPid, meta.serverStart) &&
      writesTo(meta.serverPid, paths.outPipe)) ||
    isKeepersChild(meta.serverPid, meta.serverStart, meta.keeperPid);
  // A server that just ended is no longer a child to check, but then its exit record is there.
  if (!serverOurs && exitText() === undefined) {
    throw foreign(
      realDir,
      expected,
      `pid ${meta.serverPid} is not the server of this folder (a planted pid?)`,
    );
  }
  const cursor = parseCursor(readText(paths.cursor));
  return { kind: 'running', server: new KeptServer(paths, meta, cursor, handlers, true) };
}
