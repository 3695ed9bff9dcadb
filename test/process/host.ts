import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { ProcessSupervisorConfig } from '../../src/process/index.js';

const HOST = fileURLToPath(new URL('../fixtures/process-host.ts', import.meta.url));

/** One JSON event the host printed. */
export interface HostEvent {
  event: string;
  command?: string;
  ok?: boolean;
  code?: string;
  state?: string;
  pid?: number;
}

/**
 * A real host agent in its own process (`node --import tsx`), driven over stdin, so that a test
 * can SIGKILL it as a crashing or upgraded agent would be.
 */
export class Host {
  readonly child: ChildProcess;
  readonly events: HostEvent[] = [];
  readonly #waiters = new Set<() => void>();

  constructor(config: ProcessSupervisorConfig) {
    this.child = spawn(process.execPath, ['--import', 'tsx', HOST, JSON.stringify(config)], {
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    createInterface({ input: this.child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
      try {
        this.events.push(JSON.parse(line) as HostEvent);
      } catch {
        return;
      }
      for (const wake of [...this.#waiters]) wake();
    });
  }

  /** Resolves with the first event (seen or to come) that matches. */
  next(match: (e: HostEvent) => boolean, from = 0): Promise<HostEvent> {
    return new Promise((resolve, reject) => {
      const check = (): boolean => {
        const found = this.events.slice(from).find(match);
        if (found === undefined) return false;
        this.#waiters.delete(wake);
        resolve(found);
        return true;
      };
      const wake = (): void => {
        check();
      };
      if (check()) return;
      this.#waiters.add(wake);
      this.child.once('exit', () => {
        if (!check()) reject(new Error('the host exited'));
      });
    });
  }

  /** Runs a command and resolves with its `done` event. */
  async run(command: string): Promise<HostEvent> {
    const from = this.events.length;
    await this.next((e) => e.event === 'ready');
    this.child.stdin?.write(`${command}\n`);
    return this.next((e) => e.event === 'done' && e.command === command, from);
  }

  /** SIGKILLs the host, as a crash or an OOM kill would, and waits until it is gone. */
  async sigkill(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.kill('SIGKILL');
    await exited;
  }
}
