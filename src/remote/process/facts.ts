import { GamewardError } from '../../errors.js';
import {
  type KeeperExit,
  type KeeperMeta,
  type OutputCursor,
  parseCursor,
  parseExit,
  parseMeta,
} from '../../keeper/records.js';

/** What FACTS_SCRIPT printed about one remote instance folder. */
export interface RemoteFacts {
  readonly fields: ReadonlyMap<string, string>;
  readonly files: ReadonlyMap<string, string>;
  readonly killed: readonly number[];
}

/** A remote process as `stat_of` printed it. */
interface ProcFacts {
  readonly state: string;
  readonly ppid: number;
  readonly pgrp: number;
  readonly start: string;
}

/** What a remote folder holds, decided by the rules of src/keeper/adopt.ts. */
export type RemoteFinding =
  | {
      readonly kind: 'running';
      readonly dir: string;
      readonly meta: KeeperMeta;
      readonly cursor: OutputCursor;
      /** The oldest segment still on disk per stream (older ones were dropped by the cap). */
      readonly first: { readonly out: number; readonly err: number };
    }
  | {
      readonly kind: 'exited';
      readonly dir: string;
      readonly exit: KeeperExit;
      /** Where the last host stopped reading: what follows was printed with no host there. */
      readonly cursor: OutputCursor;
    }
  | {
      readonly kind: 'gone';
      readonly reason: 'keeper-killed' | 'reboot' | 'incomplete';
      readonly killed: readonly number[];
    }
  | { readonly kind: 'absent' };

/** Splits the script's output into `key=value` fields and `file:` lines. */
export function parseFacts(text: string): RemoteFacts {
  const fields = new Map<string, string>();
  const files = new Map<string, string>();
  const killed: number[] = [];
  for (const line of text.split('\n')) {
    const file = /^(meta|exit|cursor|stderr):(.*)$/.exec(line);
    if (file !== null) {
      const [, name = '', rest = ''] = file;
      files.set(name, `${files.get(name) ?? ''}${rest}\n`);
      continue;
    }
    const eq = line.indexOf('=');
    if (eq <= 0) continue;
    const key = line.slice(0, eq);
    if (key === 'killed') killed.push(Number(line.slice(eq + 1)));
    else fields.set(key, line.slice(eq + 1));
  }
  return { fields, files, killed };
}

function procOf(value: string | undefined): ProcFacts | undefined {
  const parts = value?.trim().split(' ');
  if (parts === undefined || parts.length < 4) return undefined;
  const [state = '', ppid, pgrp, start = ''] = parts;
  return { state, ppid: Number(ppid), pgrp: Number(pgrp), start };
}

const isLive = (proc: ProcFacts | undefined): proc is ProcFacts =>
  proc !== undefined && proc.state !== 'Z' && proc.state !== 'X';

function foreign(dir: string, instanceId: string, why: string): GamewardError {
  return new GamewardError(
    'ERR_INVALID_STATE',
    `refusing the remote keeper folder ${dir}: ${why}`,
    {
      instanceId,
    },
  );
}

/**
 * Decides what a remote folder holds, never trusting pid + start time alone: the keeper must run
 * this folder's `keeper.sh` (real paths) and the server's stdout must be its `out.pipe`.
 */
export function decide(facts: RemoteFacts, instanceId: string): RemoteFinding {
  const { fields, files } = facts;
  if (fields.get('state') === 'absent') return { kind: 'absent' };
  const dir = fields.get('dir') ?? '';
  const [owner, mode, ...type] = (fields.get('folder') ?? '').split(' ');
  if (type.join(' ') !== 'directory') throw foreign(dir, instanceId, 'it is not a directory');
  if (owner !== fields.get('uid')) throw foreign(dir, instanceId, `it belongs to uid ${owner}`);
  if (mode !== '700') throw foreign(dir, instanceId, `its mode is ${mode}, expected 700`);
  const exitText = files.get('exit');
  const exited = (): RemoteFinding | undefined =>
    exitText === undefined
      ? undefined
      : {
          kind: 'exited',
          dir,
          exit: parseExit(exitText, `${dir}/exit`),
          cursor: parseCursor(files.get('cursor')),
        };
  const metaText = files.get('meta');
  if (metaText === undefined) {
    if (fields.get('spec') !== '1') return { kind: 'absent' };
    return exited() ?? { kind: 'gone', reason: 'incomplete', killed: facts.killed };
  }
  const meta = parseMeta(metaText, `${dir}/meta`);
  if (meta.bootId !== fields.get('boot')) {
    return exited() ?? { kind: 'gone', reason: 'reboot', killed: [] };
  }
  const keeper = procOf(fields.get('keeper'));
  const keeperLive =
    isLive(keeper) && (meta.keeperStart === undefined || keeper.start === meta.keeperStart);
  const script = fields.get('keeper_script');
  if (!keeperLive || script === undefined) {
    return exited() ?? { kind: 'gone', reason: 'keeper-killed', killed: facts.killed };
  }
  if (script !== `${dir}/keeper.sh`) {
    if (meta.keeperStart !== undefined) {
      throw foreign(dir, instanceId, `pid ${meta.keeperPid} runs another folder's keeper`);
    }
    return exited() ?? { kind: 'gone', reason: 'keeper-killed', killed: facts.killed };
  }
  const server = procOf(fields.get('server'));
  if (!isLive(server)) {
    const ended = exited();
    if (ended !== undefined) return ended;
  }
  const serverOurs =
    (isLive(server) &&
      server.start === meta.serverStart &&
      fields.get('server_fd1') === `${dir}/out.pipe`) ||
    (server?.state === 'Z' && server.start === meta.serverStart && server.ppid === meta.keeperPid);
  if (!serverOurs && exitText === undefined) {
    throw foreign(dir, instanceId, `pid ${meta.serverPid} is not this folder's server`);
  }
  const first = {
    out: Number(fields.get('first_out') ?? 0),
    err: Number(fields.get('first_err') ?? 0),
  };
  return { kind: 'running', dir, meta, cursor: parseCursor(files.get('cursor')), first };
}
