import { LineSplitter } from '../console/line-splitter.js';
import type { Logger } from '../logger.js';
import type { OutputLine } from '../supervisor.js';
import type { ManagerApi } from './engine.js';

const RECONNECT_MS = 500;
/**
 * A reopened stream starts this much before the newest line seen: the manager merges the nodes'
 * streams, so one task's line may arrive after a newer line of another task. Repeats are dropped
 * per task.
 */
const RESUME_OVERLAP_NS = 5_000_000_000n;
/** A run's last lines count as delivered once its service's log was quiet this long. */
const QUIET_MS = 250;
const QUIET_LIMIT_MS = 1500;

/** What a {@link ServiceLogs} needs. */
export interface ServiceLogsInit {
  readonly api: ManagerApi;
  readonly instanceId: string;
  readonly serviceId: string;
  /** The service's name in the stack file (`OutputLine.service`). */
  readonly service: string;
  /** Lines from this time on, as `since` takes it (`<seconds>.<nanoseconds>`). */
  readonly since: string;
  /** The task's label (`OutputLine.task`): its slot, or its node for a global service. */
  label(taskId: string, nodeId: string): string | Promise<string>;
  /** True while the service exists: an ended stream is then reopened. */
  exists(): boolean;
  publish(line: OutputLine): void;
  readonly logger: Logger;
}

interface Pending {
  readonly stream: 'stdout' | 'stderr';
  readonly raw: string;
  readonly time: number;
}

/**
 * Every replica's output on every node, through the manager's service logs
 * (`/services/{id}/logs?follow=1&details=1&timestamps=1`): frames multiplex stdout and stderr;
 * each line carries its time and the task and node ids, so a stream reopened after a manager
 * restart resumes shortly before the last line seen, and drops what it repeats. A stream opened
 * before the tasks exist still gets their lines.
 */
export class ServiceLogs {
  readonly #init: ServiceLogsInit;
  readonly #closed = new AbortController();
  readonly #labels = new Map<string, string>();
  readonly #queue: Pending[] = [];
  #resolving = false;
  #since: string;
  // Each task's newest line time in ns, to drop what a reopened stream repeats.
  readonly #lastByTask = new Map<string, bigint>();
  #newest = 0n;
  #lastAt = 0;
  #retry: NodeJS.Timeout | undefined;

  constructor(init: ServiceLogsInit) {
    this.#init = init;
    this.#since = init.since;
  }

  get serviceId(): string {
    return this.#init.serviceId;
  }

  start(): void {
    const { api, serviceId } = this.#init;
    const signal = this.#closed.signal;
    if (signal.aborted) return;
    const query = {
      follow: true,
      stdout: true,
      stderr: true,
      details: true,
      timestamps: true,
      since: this.#since,
    };
    api.stream(`/services/${serviceId}/logs`, query, signal).then(
      (stream) => this.#read(stream),
      () => this.#reopen(),
    );
  }

  /** Resolves once no line came for a moment (bounded): a dead run's last lines are in. */
  async quiet(): Promise<void> {
    const deadline = Date.now() + QUIET_LIMIT_MS;
    while (!this.#closed.signal.aborted && Date.now() < deadline) {
      const idle = Date.now() - this.#lastAt;
      if (idle >= QUIET_MS && this.#queue.length === 0) return;
      await new Promise((r) => setTimeout(r, Math.max(20, QUIET_MS - idle)));
    }
  }

  close(): void {
    this.#closed.abort();
    clearTimeout(this.#retry);
  }

  #read(stream: NodeJS.ReadableStream): void {
    const splitters = {
      stdout: new LineSplitter((raw) => this.#enqueue('stdout', raw)),
      stderr: new LineSplitter((raw) => this.#enqueue('stderr', raw)),
    };
    let pending: Buffer = Buffer.alloc(0);
    stream.on('data', (chunk: Buffer) => {
      pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
      // Frames: 1 byte stream type, 3 zero bytes, 4 bytes big-endian payload length.
      while (pending.length >= 8) {
        const size = pending.readUInt32BE(4);
        if (pending.length < 8 + size) break;
        const target = pending[0] === 2 ? splitters.stderr : splitters.stdout;
        target.push(pending.subarray(8, 8 + size));
        pending = pending.subarray(8 + size);
      }
    });
    let ended = false;
    const end = (): void => {
      if (ended) return;
      ended = true;
      splitters.stdout.flush();
      splitters.stderr.flush();
      this.#reopen();
    };
    stream.on('end', end);
    stream.on('close', end);
    stream.on('error', end);
  }

  #reopen(): void {
    if (this.#closed.signal.aborted || !this.#init.exists()) return;
    clearTimeout(this.#retry);
    this.#retry = setTimeout(() => this.start(), RECONNECT_MS);
    this.#retry.unref();
  }

  #enqueue(stream: 'stdout' | 'stderr', raw: string): void {
    this.#lastAt = Date.now();
    this.#queue.push({ stream, raw, time: this.#lastAt });
    if (!this.#resolving) this.#drain();
  }

  /** Publishes queued lines in order; waits (once per task) to learn a new task's label. */
  #drain(): void {
    while (this.#queue.length > 0) {
      const item = this.#queue[0] as Pending;
      const line = parseLogLine(item.raw);
      if (line === undefined) {
        this.#queue.shift();
        continue;
      }
      const label = this.#labels.get(line.taskId);
      if (label === undefined) {
        this.#resolving = true;
        void Promise.resolve(this.#init.label(line.taskId, line.nodeId))
          .catch(() => line.nodeId)
          .then((found) => {
            this.#labels.set(line.taskId, found);
            this.#resolving = false;
            this.#drain();
          });
        return;
      }
      this.#queue.shift();
      if (line.ns <= (this.#lastByTask.get(line.taskId) ?? -1n)) continue;
      this.#lastByTask.set(line.taskId, line.ns);
      if (line.ns > this.#newest) {
        this.#newest = line.ns;
        this.#since = nsToSince(line.ns - RESUME_OVERLAP_NS);
      }
      if (this.#closed.signal.aborted) continue;
      this.#init.publish({
        stream: item.stream,
        text: line.text,
        time: item.time,
        service: this.#init.service,
        task: label,
      });
    }
  }
}

/** One line of a service log with `details` and `timestamps`. */
export interface LogLine {
  /** The time as nanoseconds since the epoch, and as `since` takes it. */
  readonly ns: bigint;
  readonly since: string;
  readonly taskId: string;
  readonly nodeId: string;
  readonly text: string;
}

/** Parses `<RFC 3339 time> <k=v,k=v details> <text>`; undefined for anything else. */
export function parseLogLine(raw: string): LogLine | undefined {
  const first = raw.indexOf(' ');
  const second = first === -1 ? -1 : raw.indexOf(' ', first + 1);
  if (second === -1) return undefined;
  const time = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?Z$/.exec(raw.slice(0, first));
  if (time === null) return undefined;
  const seconds = Date.parse(`${time[1]}Z`) / 1000;
  const nanos = (time[2] ?? '').padEnd(9, '0');
  const details = new URLSearchParams(raw.slice(first + 1, second).replaceAll(',', '&'));
  return {
    ns: BigInt(seconds) * 1_000_000_000n + BigInt(nanos),
    since: `${seconds}.${nanos}`,
    taskId: details.get('com.docker.swarm.task.id') ?? '',
    nodeId: details.get('com.docker.swarm.node.id') ?? '',
    text: raw.slice(second + 1),
  };
}

function nsToSince(ns: bigint): string {
  const seconds = ns / 1_000_000_000n;
  return `${seconds}.${String(ns % 1_000_000_000n).padStart(9, '0')}`;
}

/** A time (ms since the epoch) as the logs' `since` takes it. */
export function sinceOf(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  return `${seconds}.${String((ms - seconds * 1000) * 1_000_000).padStart(9, '0')}`;
}
