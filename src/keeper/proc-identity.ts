import { readFileSync, readlinkSync, realpathSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { parseStat } from '../os/proc-table.js';

let bootId: string | undefined;

/** This boot's id: a different one in `meta` means the machine rebooted since. */
export function currentBootId(): string {
  bootId ??= readFileSync('/proc/sys/kernel/random/boot_id', 'latin1').trim();
  return bootId;
}

/** A process as /proc shows it now, or undefined when there is none with that pid. */
export interface ProcView {
  readonly startTime: string;
  readonly ppid: number;
  readonly zombie: boolean;
}

export function viewProcess(pid: number): ProcView | undefined {
  try {
    const entry = parseStat(readFileSync(`/proc/${pid}/stat`, 'latin1'));
    if (entry === undefined) return undefined;
    return {
      startTime: entry.startTime,
      ppid: entry.ppid,
      zombie: entry.state === 'Z' || entry.state === 'X',
    };
  } catch {
    return undefined;
  }
}

/** True when `pid` still is the process that started at `startTime` and has not died. */
export function isSameLiveProcess(pid: number, startTime: string | undefined): boolean {
  const view = viewProcess(pid);
  return (
    view !== undefined && !view.zombie && (startTime === undefined || view.startTime === startTime)
  );
}

function realOrSelf(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}

/**
 * Whether `pid` runs `<realDir>/keeper.sh`: its command line is `/bin/sh <path> ...` and the
 * path resolves to this folder's script (a keeper of a copied folder names the original's).
 * `exiting`: no command line any more, the process is being torn down.
 */
export function runsScript(pid: number, scriptPath: string): 'yes' | 'no' | 'exiting' {
  let cmdline: string;
  try {
    cmdline = readFileSync(`/proc/${pid}/cmdline`, 'latin1');
  } catch {
    return 'exiting';
  }
  if (cmdline === '') return 'exiting';
  const named = cmdline.split('\0')[1];
  return named !== undefined && realOrSelf(named) === scriptPath ? 'yes' : 'no';
}

/** True when `pid`'s standard output is this folder's `out.pipe`, which only its server holds. */
export function writesTo(pid: number, outPipe: string): boolean {
  try {
    return readlinkSync(`/proc/${pid}/fd/1`) === outPipe;
  } catch {
    return false;
  }
}

/**
 * Every process whose environment holds `name=value` exactly: the kept server's tree, found even
 * after a descendant left its session and was reparented. Unreadable processes are not ours.
 */
export async function pidsWithEnv(name: string, value: string): Promise<number[]> {
  const needle = `${name}=${value}\0`;
  const found: number[] = [];
  const entries = await readdir('/proc');
  await Promise.all(
    entries.map(async (entry) => {
      const code = entry.charCodeAt(0);
      if (code < 48 || code > 57) return;
      try {
        const environ = await readFile(`/proc/${entry}/environ`, 'latin1');
        if (environ.startsWith(needle) || environ.includes(`\0${needle}`))
          found.push(Number(entry));
      } catch {
        // Gone, or another user's.
      }
    }),
  );
  return found;
}
