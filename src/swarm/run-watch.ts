import type { Observation } from '../core/plane.js';
import { hasStarted, isTerminal, type TaskRecord } from './records.js';
import { died, type StackView } from './stack-view.js';

/** The facts a run of a stack gives, for the plane to report. */
export interface RunFacts {
  ready(): void;
  /** A replica of `service` died; `task` is the one that ended (its code), when known. */
  exited(service: string, task: TaskRecord | undefined): void;
  revived(): void;
}

type Phase = 'idle' | 'starting' | 'up' | 'down' | 'halting';

/**
 * Turns the board's successive views of one stack into facts. Tasks have no events, so a fact is
 * a difference between two views: a task of this run that failed while starting; a task that was
 * up and is not any more (it died, its node went down, someone removed it); a new task started
 * after a death (the stack's `restart_policy`). Tasks seen before (history, the dead) are `known`
 * and never give a fact again.
 */
export class RunWatch {
  #phase: Phase = 'idle';
  readonly #known = new Set<string>();
  // The replicas up at the last view, by task id, with their service's name.
  readonly #up = new Map<string, string>();
  readonly #facts: RunFacts;

  constructor(facts: RunFacts) {
    this.#facts = facts;
  }

  get phase(): Phase {
    return this.#phase;
  }

  /** True while the plane starts or stops something: the board polls fast. */
  get urgent(): boolean {
    return this.#phase === 'starting' || this.#phase === 'halting';
  }

  /** A fresh deploy: every task from now on belongs to the run. */
  launched(): void {
    this.#known.clear();
    this.#up.clear();
    this.#phase = 'starting';
  }

  /** A halt began: what ends now is no fact. */
  halting(): void {
    this.#phase = 'halting';
  }

  /** The halt ended: nothing of the stack runs. */
  halted(): void {
    this.#phase = 'idle';
  }

  /**
   * Takes what `observe()` found as the starting point, unless a run of ours is being watched
   * (starting, up, halting): the watch is already the authority then.
   */
  adopt(view: StackView, found: Observation): void {
    if (this.#phase !== 'idle' && this.#phase !== 'down') return;
    this.#remember(view);
    this.#up.clear();
    if (found.kind === 'running') {
      this.#markUp(view);
      this.#phase = 'up';
    } else if (found.kind === 'starting') {
      this.#phase = 'starting';
    } else {
      this.#phase = found.kind === 'exited' ? 'down' : 'idle';
    }
  }

  /** One new view of the stack. */
  update(view: StackView): void {
    switch (this.#phase) {
      case 'starting':
        this.#whileStarting(view);
        return;
      case 'up':
        this.#whileUp(view);
        return;
      case 'down':
        this.#whileDown(view);
        return;
      default:
    }
  }

  #whileStarting(view: StackView): void {
    for (const s of view.services) {
      const failed = s.tasks.find((t) => !this.#known.has(t.id) && died(t));
      if (failed !== undefined) {
        this.#down(view, s.service.short, failed);
        return;
      }
    }
    if (!view.allUp) return;
    this.#up.clear();
    this.#markUp(view);
    this.#phase = 'up';
    this.#facts.ready();
  }

  #whileUp(view: StackView): void {
    const tasks = new Map(view.services.flatMap((s) => s.tasks.map((t) => [t.id, t] as const)));
    const upNow = new Set(view.services.flatMap((s) => s.up.map((t) => t.id)));
    // A replica that was up and is not: it died, its node went down, or someone removed it.
    for (const [id, service] of this.#up) {
      if (upNow.has(id)) continue;
      this.#down(view, service, tasks.get(id));
      return;
    }
    // A scale-up's new replicas count from now on.
    this.#markUp(view);
  }

  #whileDown(view: StackView): void {
    const revived = view.services.some((s) =>
      s.tasks.some((t) => !this.#known.has(t.id) && t.desired === 'running' && hasStarted(t)),
    );
    if (!revived) return;
    this.#phase = 'starting';
    this.#facts.revived();
    this.#whileStarting(view);
  }

  #down(view: StackView, service: string, task: TaskRecord | undefined): void {
    this.#remember(view);
    this.#up.clear();
    this.#phase = 'down';
    this.#facts.exited(service, task);
  }

  /** Tasks that ran or ended are this run's past; a replacement not yet started is not. */
  #remember(view: StackView): void {
    for (const s of view.services) {
      for (const t of s.tasks) if (hasStarted(t) || isTerminal(t)) this.#known.add(t.id);
    }
  }

  #markUp(view: StackView): void {
    for (const s of view.services) for (const t of s.up) this.#up.set(t.id, s.service.short);
  }
}
