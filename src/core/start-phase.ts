/**
 * One stay in `starting`: up once the plane said so and (when a ready line is configured) the
 * line was seen, bounded by the start timeout. `done` settles once: resolved when up, rejected
 * by {@link fail} (a timeout, an exit, a kill).
 */
export class StartPhase {
  planeReady = false;
  lineSeen: boolean;
  /** Whether readiness may complete yet (a start() only after its launch returned). */
  armed: boolean;
  readonly done: Promise<void>;
  #settled = false;
  #resolve!: () => void;
  #reject!: (error: Error) => void;
  readonly #timer: NodeJS.Timeout;

  constructor(
    needsLine: boolean,
    armed: boolean,
    timeoutMs: number,
    onTimeout: (phase: StartPhase) => void,
  ) {
    this.lineSeen = !needsLine;
    this.armed = armed;
    this.done = new Promise<void>((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
    this.done.catch(() => undefined);
    this.#timer = setTimeout(() => onTimeout(this), timeoutMs);
  }

  get settled(): boolean {
    return this.#settled;
  }

  /** True when nothing is missing for `running`. */
  get complete(): boolean {
    return this.armed && this.planeReady && this.lineSeen && !this.#settled;
  }

  succeed(): void {
    if (this.#settle()) this.#resolve();
  }

  fail(error: Error): void {
    if (this.#settle()) this.#reject(error);
  }

  #settle(): boolean {
    if (this.#settled) return false;
    this.#settled = true;
    clearTimeout(this.#timer);
    return true;
  }
}
