import { randomBytes } from 'node:crypto';
import { type ErrorCode, GamewardError } from '../../errors.js';
import { KEEPER_SCRIPT } from '../../keeper/keeper-script.js';
import { PROTOCOL_VERSION, SEGMENTS_KEPT } from '../../keeper/layout.js';
import { type KeeperMeta, parseExit, parseMeta } from '../../keeper/records.js';
import type { ExecResult } from '../channels.js';
import type { SshLink } from '../ssh-link.js';
import { decide, parseFacts, type RemoteFinding } from './facts.js';
import {
  FACTS_SCRIPT,
  LAUNCH_SCRIPT,
  REPLAY_SCRIPT,
  SEND_SCRIPT,
  SIGNAL_SCRIPT,
  STATS_SCRIPT,
} from './host-scripts.js';

const CALL_TIMEOUT_MS = 20_000;
const END_MARK = '@@gameward-facts-end';
// Runs FACTS_SCRIPT (its first argument) once per DIR REAP pair, each answer ended by a mark.
const BATCH_SCRIPT = `f=$1; shift
while [ $# -ge 2 ]; do sh -c "$f" sh "$1" "$2"; echo "${END_MARK}"; shift 2; done`;

/** Folds the facts requests of one tick on one link into one exec. */
class FactsBatch {
  #queue: {
    dir: string;
    reap: boolean;
    resolve: (text: string) => void;
    reject: (error: unknown) => void;
  }[] = [];

  constructor(readonly link: SshLink) {}

  ask(dir: string, reap: boolean): Promise<string> {
    return new Promise((resolve, reject) => {
      if (this.#queue.length === 0) setImmediate(() => void this.#flush());
      this.#queue.push({ dir, reap, resolve, reject });
    });
  }

  async #flush(): Promise<void> {
    const batch = this.#queue.splice(0);
    const pairs = batch.flatMap((entry) => [entry.dir, entry.reap ? '1' : '0']);
    try {
      const result = await this.link.exec(
        ['sh', '-c', BATCH_SCRIPT, 'sh', FACTS_SCRIPT, ...pairs],
        {
          timeoutMs: CALL_TIMEOUT_MS,
        },
      );
      const answers = result.stdout.split(`${END_MARK}\n`);
      batch.forEach((entry, i) => {
        const answer = answers[i];
        if (answer === undefined || (i === batch.length - 1 && answers.length <= batch.length)) {
          entry.reject(
            new GamewardError(
              'ERR_INVALID_STATE',
              `could not read the remote keeper folder ${entry.dir} on ${this.link.key}: ${result.stderr.trim().slice(0, 300)}`,
            ),
          );
        } else entry.resolve(answer);
      });
    } catch (error) {
      for (const entry of batch) entry.reject(error);
    }
  }
}

const batches = new WeakMap<SshLink, FactsBatch>();

function factsBatch(link: SshLink): FactsBatch {
  let batch = batches.get(link);
  if (batch === undefined) {
    batch = new FactsBatch(link);
    batches.set(link, batch);
  }
  return batch;
}

/** What a remote launch started. */
export interface RemoteLaunch {
  readonly dir: string;
  readonly meta: KeeperMeta;
}

/** One sample of a remote server's tree; CPU in seconds, times by the remote clock. */
export interface RemoteSample {
  readonly seconds: number;
  readonly hz: number;
  readonly uptime: number;
  readonly memoryBytes: number;
  readonly processCount: number;
}

/** The remote side of one instance folder, reached through `link`: every call is one exec. */
export class RemoteKeeper {
  constructor(
    readonly link: SshLink,
    readonly instanceId: string,
    readonly dir: string,
  ) {}

  /**
   * What the folder holds; REAP also SIGKILLs what is left of a server that ended. Calls made in
   * the same tick on one link share one exec (adopting 20 instances is one round trip).
   */
  async observe(reap: boolean, signal?: AbortSignal): Promise<RemoteFinding> {
    signal?.throwIfAborted();
    let text: string;
    try {
      text = await factsBatch(this.link).ask(this.dir, reap);
    } catch (error) {
      if (error instanceof GamewardError) {
        throw new GamewardError(error.code, error.message, {
          instanceId: this.instanceId,
          cause: error,
        });
      }
      throw error;
    }
    return decide(parseFacts(text), this.instanceId);
  }

  /** Starts `file` under a new keeper in the folder; resolves once the server runs. */
  async launch(
    spec: {
      file: string;
      args: readonly string[];
      cwd: string | undefined;
      env: Readonly<Record<string, string>>;
      segmentBytes: number;
    },
    signal: AbortSignal,
  ): Promise<RemoteLaunch> {
    const token = randomBytes(16).toString('hex');
    const record = { version: PROTOCOL_VERSION, file: spec.file, args: spec.args, cwd: spec.cwd };
    const env = Object.entries(spec.env).map(([key, value]) => `${key}=${value}`);
    const argv = [
      ...(env.length > 0 ? ['env', ...env] : []),
      'sh',
      '-c',
      LAUNCH_SCRIPT,
      'sh',
      this.dir,
      String(spec.segmentBytes),
      String(SEGMENTS_KEPT),
      token,
      spec.cwd ?? '.',
      JSON.stringify(record),
      spec.file,
      ...spec.args,
    ];
    const result = await this.#run(argv, { signal, stdin: KEEPER_SCRIPT });
    const facts = parseFacts(result.stdout);
    const dir = facts.fields.get('dir') ?? this.dir;
    if (result.exitCode === 3) {
      throw this.#error(
        'ERR_ALREADY_RUNNING',
        `a kept server already runs in ${dir} on ${this.link.key}`,
      );
    }
    const failed = facts.fields.get('failed');
    if (failed === 'cwd') {
      throw this.#error(
        'ERR_SPAWN_FAILED',
        `the working directory ${JSON.stringify(spec.cwd)} does not exist on ${this.link.key}`,
      );
    }
    const metaText = facts.files.get('meta');
    if (result.exitCode === 0 && metaText !== undefined && failed === undefined) {
      return { dir, meta: parseMeta(metaText, `${dir}/meta`) };
    }
    const exitText = facts.files.get('exit');
    let status: number | undefined;
    try {
      status = exitText === undefined ? undefined : parseExit(exitText, `${dir}/exit`).status;
    } catch {
      status = undefined;
    }
    const stderr = (facts.files.get('stderr') ?? result.stderr).trim();
    const code = status === 127 ? 'ERR_EXECUTABLE_NOT_FOUND' : 'ERR_SPAWN_FAILED';
    throw this.#error(
      code,
      `the keeper in ${dir} on ${this.link.key} could not start ${JSON.stringify(spec.file)} (status ${status ?? result.exitCode ?? 'unknown'})${stderr ? `: ${stderr.slice(0, 500)}` : ''}`,
    );
  }

  /** Signals the server's group and every process with its token; `alive`: what is left. */
  async signal(
    meta: KeeperMeta,
    signal: NodeJS.Signals | 0,
    markStop: boolean,
  ): Promise<{ sent: number; alive: number }> {
    const name = signal === 0 ? '0' : signal.replace(/^SIG/, '');
    const argv = [
      'sh',
      '-c',
      SIGNAL_SCRIPT,
      'sh',
      this.dir,
      name,
      String(meta.serverPid),
      meta.serverStart,
      meta.token ?? '',
      String(meta.keeperPid),
      markStop ? '1' : '0',
    ];
    const result = await this.#run(argv, {});
    this.#check(result, 'ERR_STOP_FAILED', 'could not signal the remote server');
    const sent = /sent=(\d+)/.exec(result.stdout)?.[1];
    const alive = /alive=(\d+)/.exec(result.stdout)?.[1];
    return { sent: Number(sent ?? 0), alive: Number(alive ?? 0) };
  }

  /** Writes one line to the server's stdin through the keeper's console FIFO, never blocking. */
  async send(line: string): Promise<void> {
    const result = await this.#run(['sh', '-c', SEND_SCRIPT, 'sh', `${this.dir}/console`, line], {
      timeoutMs: 10_000,
    });
    if (result.exitCode === 0) return;
    if (/Resource temporarily unavailable/.test(result.stderr)) {
      throw this.#error('ERR_CONSOLE_FULL', 'the console is full: the server reads no input');
    }
    throw this.#error('ERR_NOT_RUNNING', `the console has no reader (${result.stderr.trim()})`);
  }

  /** CPU ticks, resident bytes and process count of the server's tree. */
  async stats(meta: KeeperMeta): Promise<RemoteSample> {
    const argv = [
      'sh',
      '-c',
      STATS_SCRIPT,
      'sh',
      this.dir,
      String(meta.serverPid),
      meta.token ?? '-',
      String(meta.keeperPid),
    ];
    const result = await this.#run(argv, { timeoutMs: 10_000 });
    this.#check(result, 'ERR_NOT_RUNNING', 'could not sample the remote server');
    const value = (key: string): number =>
      Number(new RegExp(`${key}=([\\d.]+)`).exec(result.stdout)?.[1] ?? 0);
    const hz = value('hz') || 100;
    return {
      seconds: value('ticks') / hz,
      hz,
      uptime: value('uptime'),
      memoryBytes: value('pages') * (value('page') || 4096),
      processCount: value('count'),
    };
  }

  /** One stream's bytes from a place to its end (an exited server's unread output). */
  async replay(prefix: 'out' | 'err', segment: number, offset: number): Promise<Buffer> {
    const argv = [
      'sh',
      '-c',
      REPLAY_SCRIPT,
      'sh',
      this.dir,
      prefix,
      String(segment),
      String(offset),
    ];
    const result = await this.#run(argv, { timeoutMs: CALL_TIMEOUT_MS });
    return Buffer.from(result.stdout, 'utf8');
  }

  /** Deletes the folder once its server is over (a clean stop leaves nothing to adopt). */
  async remove(): Promise<void> {
    await this.#run(['rm', '-rf', '--', this.dir], { timeoutMs: CALL_TIMEOUT_MS });
  }

  async #run(
    argv: string[],
    options: { signal?: AbortSignal | undefined; stdin?: string; timeoutMs?: number },
  ): Promise<ExecResult> {
    try {
      return await this.link.exec(argv, {
        signal: options.signal,
        stdin: options.stdin,
        timeoutMs: options.timeoutMs ?? CALL_TIMEOUT_MS,
      });
    } catch (error) {
      if (error instanceof GamewardError && error.code !== 'ERR_ABORTED') {
        throw new GamewardError(error.code, error.message, {
          instanceId: this.instanceId,
          cause: error,
        });
      }
      throw error;
    }
  }

  #check(result: ExecResult, code: ErrorCode, what: string): void {
    if (result.exitCode === 0) return;
    const detail = result.stderr.trim().slice(0, 300);
    throw this.#error(
      code,
      `${what} on ${this.link.key} (exit ${result.exitCode ?? result.signal})${detail ? `: ${detail}` : ''}`,
    );
  }

  #error(code: ErrorCode, message: string): GamewardError {
    return new GamewardError(code, message, { instanceId: this.instanceId });
  }
}
