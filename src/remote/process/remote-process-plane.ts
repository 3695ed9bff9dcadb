import { LineSplitter } from '../../console/line-splitter.js';
import type { Observation, Plane, PlaneReport } from '../../core/plane.js';
import { GamewardError } from '../../errors.js';
import { DEFAULT_OUTPUT_CAP_BYTES, SEGMENTS_KEPT } from '../../keeper/layout.js';
import { START_CURSOR } from '../../keeper/records.js';
import type { Logger } from '../../logger.js';
import type { NormalizedProcessConfig } from '../../process/options.js';
import type { ExitInfo } from '../../process/spawn.js';
import { MIN_KILL_SETTLE_MS } from '../../process/terminate.js';
import type { ResourceStats } from '../../supervisor.js';
import { delay } from '../../util/abort.js';
import { defaultSshLinks } from '../default-links.js';
import type { NormalizedSshConfig } from '../options.js';
import type { LinkStatus } from '../ssh-link.js';
import type { SshLease, SshLinks } from '../ssh-links.js';
import type { RemoteFinding } from './facts.js';
import { type HubFollower, RemoteHub } from './hub.js';
import { RemoteKeeper } from './remote-keeper.js';
import { RemoteRun } from './remote-run.js';

/** The remote state folder when `stateDir` is not given: relative to the login's home. */
export const DEFAULT_REMOTE_STATE_DIR = '.gameward';
/** Remote folders must be plain paths: they travel in the hub's space-separated commands. */
const SAFE_PATH = /^[A-Za-z0-9._/+-]+$/;
// How often the read position is written to the remote `cursor` file (at-least-once replay).
const CURSOR_SAVE_MS = 1000;

let runCounter = 0;

/**
 * The process plane on another machine: the server runs under the keeper (src/keeper) in
 * `<stateDir>/<id>/` on the remote host, reached over the host's one shared SSH link. Output
 * comes through the link's hub (one session for every instance), the exit from the keeper's
 * record, adoption from the same identity checks as locally, run remotely. See docs/remote.md.
 */
export class RemoteProcessPlane implements Plane {
  readonly kind = 'process' as const;
  readonly #config: NormalizedProcessConfig;
  readonly #ssh: NormalizedSshConfig;
  readonly #logger: Logger;
  readonly #links: SshLinks;
  readonly #dir: string;
  #report: PlaneReport | undefined;
  #lease: SshLease | undefined;
  #hub: RemoteHub | undefined;
  #keeper: RemoteKeeper | undefined;
  #run: RemoteRun | undefined;
  #lastExit: ExitInfo | undefined;
  #cursorTimer: NodeJS.Timeout | undefined;
  #cpu: { seconds: number; uptime: number } | undefined;
  #released = false;

  constructor(
    config: NormalizedProcessConfig,
    ssh: NormalizedSshConfig,
    logger: Logger,
    links: SshLinks = defaultSshLinks(),
  ) {
    this.#config = config;
    this.#ssh = ssh;
    this.#logger = logger;
    this.#links = links;
    const base = config.stateDir ?? DEFAULT_REMOTE_STATE_DIR;
    this.#dir = `${base.replace(/\/+$/, '')}/${config.id}`;
    if (!SAFE_PATH.test(this.#dir)) {
      throw new GamewardError(
        'ERR_INVALID_CONFIG',
        `expected \`stateDir\` to be a path of letters, digits and ._/+- on the remote host, got ${JSON.stringify(config.stateDir)}`,
        { instanceId: config.id },
      );
    }
  }

  get active(): boolean {
    return this.#run !== undefined;
  }

  /** The server's pid on the remote host while it runs. */
  get pid(): number | undefined {
    return this.#run?.exit === undefined ? this.#run?.meta.serverPid : undefined;
  }

  /** The remote instance folder (`<stateDir>/<id>`, real path once known). */
  get folder(): string {
    return this.#keeper?.dir ?? this.#dir;
  }

  /**
   * The SSH link's state: while it is `down` the instance keeps its last state; after `up` the
   * plane re-syncs (an exit during the outage is reported with its code, lines are replayed).
   */
  get link(): LinkStatus | undefined {
    return this.#lease?.link.status;
  }

  connect(report: PlaneReport): void {
    this.#report = report;
  }

  async observe(signal: AbortSignal): Promise<Observation> {
    const run = this.#run;
    if (run !== undefined) {
      if (run.exit === undefined && !run.stopRequested) return { kind: 'running' };
      return { kind: 'exited', stopped: run.stopRequested, ...run.exit };
    }
    const keeper = this.#remote();
    const found = await keeper.observe(false, signal);
    return this.#adopt(found);
  }

  async launch(signal: AbortSignal): Promise<void> {
    const config = this.#config;
    const file = config.executable ?? '';
    const keeper = this.#remote();
    this.#lastExit = undefined;
    const cap = config.outputCapBytes ?? DEFAULT_OUTPUT_CAP_BYTES;
    const launching = keeper.launch(
      {
        file,
        args: config.args,
        cwd:
          config.cwd ??
          (file.includes('/') ? file.slice(0, file.lastIndexOf('/')) || '/' : undefined),
        env: config.env ?? {},
        segmentBytes: Math.floor(cap / SEGMENTS_KEPT),
      },
      signal,
    );
    let launched: Awaited<typeof launching>;
    try {
      launched = await launching;
    } catch (error) {
      // The keeper may have started before the abort cut the call: hand it to the halt.
      if (signal.aborted) await this.#takeOverAfterAbort();
      throw error;
    }
    this.#keeper = new RemoteKeeper(keeper.link, config.id, launched.dir);
    const run = this.#attach(launched.dir, launched.meta, START_CURSOR);
    await this.#follow(run);
    if (this.#run === run && run.exit === undefined) this.#report?.ready();
  }

  async halt(force: boolean): Promise<void> {
    const run = this.#run;
    if (run === undefined) return;
    run.stopRequested = true;
    if (force) run.force();
    const keeper = this.#remote();
    if (!run.isOver) {
      const { stopCommand, stopSignal, stopTimeoutMs, killGraceMs } = this.#config;
      let graceful = !force;
      await keeper.signal(run.meta, 0, true);
      let budget = stopTimeoutMs;
      if (graceful && stopCommand !== undefined) {
        const share = Math.floor(stopTimeoutMs / 2);
        budget -= share;
        await keeper.send(stopCommand).catch(() => undefined);
        graceful = !(await this.#waitOver(run, share, true));
      }
      if (graceful && !run.isOver) {
        await keeper.signal(run.meta, stopSignal, false);
        if (stopSignal !== 'SIGKILL') await keeper.signal(run.meta, 'SIGCONT', false);
        await this.#waitOver(run, budget, true);
      }
      if (!run.isOver) {
        await keeper.signal(run.meta, 'SIGKILL', false);
        if (!(await this.#waitOver(run, Math.max(killGraceMs, MIN_KILL_SETTLE_MS), false))) {
          const { alive } = await keeper.signal(run.meta, 0, false);
          if (alive > 0) {
            throw new GamewardError(
              'ERR_STOP_FAILED',
              `${alive} processes of the server still alive on ${keeper.link.key} ${killGraceMs} ms after SIGKILL`,
              { instanceId: this.#config.id },
            );
          }
        }
      }
    }
    this.#forget(run);
    // A clean stop leaves nothing for the next host to adopt.
    await keeper.remove().catch((error: unknown) => {
      this.#logger.warn(
        { instanceId: this.#config.id, err: error },
        'could not remove the remote folder',
      );
    });
  }

  async send(line: string): Promise<void> {
    const run = this.#run;
    if (run === undefined || run.exit !== undefined) {
      throw new GamewardError('ERR_NOT_RUNNING', 'is not running', { instanceId: this.#config.id });
    }
    await this.#remote().send(line);
  }

  async sample(): Promise<ResourceStats> {
    const run = this.#run;
    if (run === undefined) {
      throw new GamewardError('ERR_NOT_RUNNING', 'is not running', { instanceId: this.#config.id });
    }
    const now = await this.#remote().stats(run.meta);
    const before = this.#cpu;
    this.#cpu = { seconds: now.seconds, uptime: now.uptime };
    const hz = now.hz;
    // The first sample averages over the server's life; later ones cover the time since the last.
    const elapsed =
      before === undefined
        ? now.uptime - Number(run.meta.serverStart) / hz
        : now.uptime - before.uptime;
    const used = now.seconds - (before?.seconds ?? 0);
    const cpuPercent = elapsed > 0 ? Math.max(0, (100 * used) / elapsed) : 0;
    return {
      cpuPercent,
      memoryBytes: now.memoryBytes,
      processCount: now.processCount,
      time: Date.now(),
    };
  }

  async release(): Promise<void> {
    if (this.#released) return;
    this.#released = true;
    const run = this.#run;
    if (run !== undefined) {
      this.#saveCursor(run);
      await this.#hub?.unfollow(run.tag);
    }
    this.#stopCursorTimer();
    this.#hub?.release();
    this.#hub = undefined;
    this.#lease?.link.off('status', this.#onLink);
    await this.#lease?.release();
    this.#lease = undefined;
  }

  /** The remote side, the link leased on first use. */
  #remote(): RemoteKeeper {
    if (this.#released) {
      throw new GamewardError('ERR_DISPOSED', 'has been released', { instanceId: this.#config.id });
    }
    if (this.#lease === undefined) {
      this.#lease = this.#links.acquire(this.#ssh);
      this.#lease.link.on('status', this.#onLink);
      this.#hub = RemoteHub.acquire(this.#lease.link);
    }
    this.#keeper ??= new RemoteKeeper(this.#lease.link, this.#config.id, this.#dir);
    return this.#keeper;
  }

  /** Takes over what the remote folder holds. */
  async #adopt(found: RemoteFinding): Promise<Observation> {
    const id = this.#config.id;
    switch (found.kind) {
      case 'running': {
        this.#keeper = new RemoteKeeper(this.#remote().link, id, found.dir);
        // Output the cap dropped before anyone read it starts at the oldest kept segment.
        const from = {
          stdout: laterOf(found.cursor.stdout, found.first.out),
          stderr: laterOf(found.cursor.stderr, found.first.err),
        };
        const run = this.#attach(found.dir, found.meta, from);
        await this.#follow(run);
        return { kind: 'running' };
      }
      case 'exited': {
        this.#keeper = new RemoteKeeper(this.#remote().link, id, found.dir);
        const exit = { exitCode: found.exit.exitCode, signal: found.exit.signal };
        this.#lastExit = exit;
        await this.#replay(found.cursor);
        return { kind: 'exited', stopped: found.exit.stopRequested, ...exit };
      }
      case 'gone':
        this.#logger.warn(
          { instanceId: id, reason: found.reason, killed: found.killed },
          'remote kept server gone',
        );
        return { kind: 'exited', stopped: false };
      case 'absent': {
        const last = this.#lastExit;
        return last === undefined
          ? { kind: 'absent' }
          : { kind: 'exited', stopped: false, ...last };
      }
    }
  }

  async #takeOverAfterAbort(): Promise<void> {
    try {
      const keeper = new RemoteKeeper(this.#remote().link, this.#config.id, this.#dir);
      // A keeper started just before the cut writes its `meta` a moment later.
      for (let attempt = 0; attempt < 10; attempt++) {
        const found = await keeper.observe(false);
        if (found.kind === 'running') {
          await this.#adopt(found);
          return;
        }
        if (found.kind !== 'gone' || found.reason !== 'incomplete') return;
        await delay(200);
      }
    } catch (error) {
      this.#logger.warn(
        { instanceId: this.#config.id, err: error },
        'could not check an aborted launch',
      );
    }
  }

  /** The lines an exited server printed after the last host's cursor. */
  async #replay(cursor: typeof START_CURSOR): Promise<void> {
    const keeper = this.#keeper;
    if (keeper === undefined) return;
    for (const [prefix, stream, at] of [
      ['out', 'stdout', cursor.stdout],
      ['err', 'stderr', cursor.stderr],
    ] as const) {
      try {
        const bytes = await keeper.replay(prefix, at.segment, at.offset);
        const splitter = new LineSplitter((text) =>
          this.#report?.line({ stream, text, time: Date.now() }),
        );
        splitter.push(bytes);
        splitter.flush();
      } catch (error) {
        this.#logger.warn({ instanceId: this.#config.id, err: error }, 'could not replay output');
      }
    }
  }

  #attach(dir: string, meta: RemoteRun['meta'], from: typeof START_CURSOR): RemoteRun {
    runCounter += 1;
    const tag = `${this.#config.id}-r${runCounter}`;
    const run: RemoteRun = new RemoteRun(tag, dir, meta, from, (stream, text) => {
      if (this.#run === run) this.#report?.line({ stream, text, time: Date.now() });
    });
    this.#run = run;
    this.#cpu = undefined;
    return run;
  }

  async #follow(run: RemoteRun): Promise<void> {
    const hub = this.#hub;
    if (hub === undefined || !SAFE_PATH.test(run.dir)) {
      throw new GamewardError('ERR_INVALID_STATE', `cannot follow ${JSON.stringify(run.dir)}`, {
        instanceId: this.#config.id,
      });
    }
    const { out, err } = run.positions;
    await hub.follow(
      run.tag,
      run.dir,
      { out, err },
      run.meta.segmentBytes,
      run.meta.keeperPid,
      this.#follower(run),
    );
  }

  #follower(run: RemoteRun): HubFollower {
    return {
      data: (prefix, at, bytes) => {
        if (run.take(prefix, at, bytes)) this.#scheduleCursor(run);
      },
      ended: (prefix) => {
        run.end(prefix);
        if (run.isOver) void this.#onKeeperGone(run);
      },
      resync: () => {
        if (this.#run !== run || run.isOver) return;
        this.#logger.info({ instanceId: this.#config.id }, 'ssh link back: resyncing');
        this.#follow(run).catch((error: unknown) => {
          this.#logger.warn({ instanceId: this.#config.id, err: error }, 'resync failed');
        });
      },
    };
  }

  /** The link's state, passed on (the `link` event); the instance keeps its state meanwhile. */
  readonly #onLink = (status: LinkStatus, previous: LinkStatus): void => {
    if (status.state === 'down' && previous.state === 'up') {
      this.#logger.warn(
        { instanceId: this.#config.id, link: this.#ssh.key, reason: status.reason },
        'ssh link down: keeping the last state',
      );
    }
    this.#report?.link(status);
  };

  /** Both streams are over: read the exit record, take what is left down, report the exit. */
  async #onKeeperGone(run: RemoteRun): Promise<void> {
    this.#hub?.forget(run.tag);
    let exit: ExitInfo = { exitCode: undefined, signal: undefined };
    // A halt waits for this end and takes what is left down itself: its exit is no crash.
    if (run.stopRequested) {
      run.exit = exit;
      if (this.#run === run) this.#report?.exited({ ...exit, drained: Promise.resolve() });
      return;
    }
    try {
      const found = await this.#remote().observe(true);
      if (found.kind === 'exited')
        exit = { exitCode: found.exit.exitCode, signal: found.exit.signal };
      else
        this.#logger.warn(
          { instanceId: this.#config.id, found: found.kind },
          'the remote keeper was killed',
        );
    } catch (error) {
      this.#logger.warn(
        { instanceId: this.#config.id, err: error },
        'could not read the exit record',
      );
    }
    run.exit = exit;
    this.#logger.info({ instanceId: this.#config.id, ...exit }, 'server exited');
    if (this.#run !== run) return;
    if (!run.stopRequested) {
      this.#forget(run);
      this.#lastExit = exit;
    }
    this.#report?.exited({ ...exit, drained: Promise.resolve() });
  }

  /** Waits for the run's end, up to `ms`; an interruptible wait ends early on a kill. */
  async #waitOver(run: RemoteRun, ms: number, interruptible: boolean): Promise<boolean> {
    if (run.isOver) return true;
    const waits: Promise<unknown>[] = [run.over, delay(ms).catch(() => undefined)];
    if (interruptible) waits.push(run.forced);
    await Promise.race(waits);
    return run.isOver;
  }

  #scheduleCursor(run: RemoteRun): void {
    if (this.#cursorTimer !== undefined) return;
    this.#cursorTimer = setTimeout(() => {
      this.#cursorTimer = undefined;
      if (this.#run === run) this.#saveCursor(run);
    }, CURSOR_SAVE_MS);
    this.#cursorTimer.unref();
  }

  #stopCursorTimer(): void {
    if (this.#cursorTimer !== undefined) clearTimeout(this.#cursorTimer);
    this.#cursorTimer = undefined;
  }

  #saveCursor(run: RemoteRun): void {
    if (run.isOver) return;
    const { out, err } = run.positions;
    this.#hub?.saveCursor(run.dir, out, err);
  }

  #forget(run: RemoteRun): void {
    if (this.#run !== run) return;
    this.#run = undefined;
    this.#stopCursorTimer();
    this.#hub?.forget(run.tag);
  }
}

function laterOf(
  cursor: { segment: number; offset: number },
  first: number,
): { segment: number; offset: number } {
  return cursor.segment >= first ? cursor : { segment: first, offset: 0 };
}
