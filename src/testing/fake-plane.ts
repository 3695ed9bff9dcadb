import type { Observation, Plane, PlaneReport } from '../core/plane.js';
import { GamewardError } from '../errors.js';
import type { LinkStatus } from '../remote/ssh-link.js';
import type { OutputLine, ResourceStats } from '../supervisor.js';
import { delay } from '../util/abort.js';

/** The calls {@link FakeSupervisor.failNext} can make fail. */
export type FakeFailableMethod = 'start' | 'stop' | 'restart' | 'kill' | 'send';

/** How the fake world behaves. */
export interface FakeWorldSettings {
  readonly id: string;
  readonly startDelayMs: number;
  readonly stopDelayMs: number;
  /** The world runs from the beginning (an instance adopted as running). */
  readonly running: boolean;
}

/**
 * A scriptable world with no process and no Docker behind it: it "runs" after `startDelayMs`,
 * "stops" after `stopDelayMs`, and crashes, prints and revives when a test says so. It is a plane
 * like the real ones, so the core gives it exactly the real lifecycle rules.
 */
export class FakePlane implements Plane {
  readonly kind = 'fake' as const;
  readonly sent: string[] = [];
  readonly #settings: FakeWorldSettings;
  readonly #failures = new Map<FakeFailableMethod, Error>();
  #report: PlaneReport | undefined;
  #running: boolean;
  // A launch in flight: crash() during it kills the launch too.
  #launch: AbortController | undefined;
  #lastExit: { exitCode?: number | undefined; signal?: NodeJS.Signals | undefined } | undefined;
  #stats: Omit<ResourceStats, 'time'> = { cpuPercent: 0, memoryBytes: 0, processCount: 0 };

  constructor(settings: FakeWorldSettings) {
    this.#settings = settings;
    this.#running = settings.running;
  }

  get active(): boolean {
    return this.#running || this.#launch !== undefined;
  }

  connect(report: PlaneReport): void {
    this.#report = report;
  }

  async observe(): Promise<Observation> {
    if (this.#running) return { kind: 'running' };
    const last = this.#lastExit;
    return last === undefined ? { kind: 'absent' } : { kind: 'exited', stopped: false, ...last };
  }

  async launch(signal: AbortSignal): Promise<void> {
    this.consumeFailure('start');
    const launch = new AbortController();
    this.#launch = launch;
    const both = AbortSignal.any([signal, launch.signal]);
    try {
      if (this.#settings.startDelayMs > 0) {
        await delay(this.#settings.startDelayMs, both, this.#settings.id);
      }
      both.throwIfAborted();
    } finally {
      if (this.#launch === launch) this.#launch = undefined;
    }
    this.#running = true;
    this.#lastExit = undefined;
    this.#report?.ready();
  }

  async halt(force: boolean, signal?: AbortSignal): Promise<void> {
    this.consumeFailure(force ? 'kill' : 'stop');
    if (!force && this.#settings.stopDelayMs > 0) {
      await delay(this.#settings.stopDelayMs, signal, this.#settings.id);
    }
    this.#stop();
  }

  async send(line: string): Promise<void> {
    this.consumeFailure('send');
    this.sent.push(line);
  }

  async sample(): Promise<ResourceStats> {
    return { ...this.#stats, time: Date.now() };
  }

  async release(): Promise<void> {}

  setStats(stats: Omit<ResourceStats, 'time'>): void {
    this.#stats = { ...stats };
  }

  failNext(method: FakeFailableMethod, error: Error): void {
    this.#failures.set(method, error);
  }

  /** Throws the failure set for `method`, once. */
  consumeFailure(method: FakeFailableMethod): void {
    const error = this.#failures.get(method);
    if (error === undefined) return;
    this.#failures.delete(method);
    throw error;
  }

  /** The world's server dies (a launch in flight is not yet "running": it dies all the same). */
  crash(exitCode: number | undefined, signal: NodeJS.Signals | undefined): void {
    if (!this.active) {
      throw new GamewardError('ERR_NOT_RUNNING', 'is not running: nothing to crash', {
        instanceId: this.#settings.id,
      });
    }
    this.#stop();
    this.#lastExit = { exitCode, signal };
    this.#report?.exited({ exitCode, signal });
  }

  /** The world restarts the server by itself (a restart policy). */
  /** The simulated remote link (see FakeSupervisor.setLink). */
  link: LinkStatus | undefined;

  setLink(status: LinkStatus): void {
    this.link = status;
    this.#report?.link(status);
  }

  revive(): void {
    this.#running = true;
    this.#report?.revived();
    this.#report?.ready();
  }

  line(text: string, stream: OutputLine['stream']): void {
    this.#report?.line({ stream, text, time: Date.now() });
  }

  #stop(): void {
    this.#running = false;
    this.#launch?.abort(new GamewardError('ERR_ABORTED', 'the fake world stopped'));
    this.#launch = undefined;
  }
}
