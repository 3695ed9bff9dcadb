import { LineSplitter } from '../../console/line-splitter.js';
import type { KeeperMeta, OutputCursor } from '../../keeper/records.js';
import type { ExitInfo } from '../../process/spawn.js';
import type { StreamPosition } from './hub.js';

type Prefix = 'out' | 'err';
const STREAM = { out: 'stdout', err: 'stderr' } as const;

/**
 * One life of a remote kept server as the host follows it: where each stream was read up to
 * (so a resync after a lost link replays from there: none lost, none twice), its line
 * splitters, and its end.
 */
export class RemoteRun {
  readonly tag: string;
  readonly dir: string;
  readonly meta: KeeperMeta;
  stopRequested = false;
  exit: ExitInfo | undefined;
  /** Both streams reported their end: the keeper is gone and every byte was read. */
  readonly over: Promise<void>;
  readonly #positions: Record<Prefix, StreamPosition>;
  readonly #splitters: Record<Prefix, LineSplitter>;
  readonly #ended = new Set<Prefix>();
  #resolveOver: () => void = () => {};
  #forced: () => void = () => {};
  /** Settles when a kill cuts the graceful steps short. */
  forced: Promise<void>;

  constructor(
    tag: string,
    dir: string,
    meta: KeeperMeta,
    from: OutputCursor,
    onLine: (stream: 'stdout' | 'stderr', text: string) => void,
  ) {
    this.tag = tag;
    this.dir = dir;
    this.meta = meta;
    this.#positions = { out: from.stdout, err: from.stderr };
    this.#splitters = {
      out: new LineSplitter((text) => onLine(STREAM.out, text)),
      err: new LineSplitter((text) => onLine(STREAM.err, text)),
    };
    this.over = new Promise((resolve) => {
      this.#resolveOver = resolve;
    });
    this.forced = new Promise((resolve) => {
      this.#forced = resolve;
    });
  }

  get positions(): Readonly<Record<Prefix, StreamPosition>> {
    return this.#positions;
  }

  get isOver(): boolean {
    return this.#ended.size === 2;
  }

  /** Takes bytes found at `at`, skipping what was already taken (a replay after a resync). */
  take(prefix: Prefix, at: StreamPosition, bytes: Buffer): boolean {
    const size = this.meta.segmentBytes;
    const have = this.#positions[prefix];
    const mine = have.segment * size + have.offset;
    const start = at.segment * size + at.offset;
    const end = start + bytes.length;
    if (end <= mine) return false;
    const fresh = start < mine ? bytes.subarray(mine - start) : bytes;
    this.#splitters[prefix].push(fresh);
    this.#positions[prefix] = { segment: Math.floor(end / size), offset: end % size };
    return true;
  }

  /** One stream is over; resolves `over` once both are. */
  end(prefix: Prefix): void {
    if (this.#ended.has(prefix)) return;
    this.#ended.add(prefix);
    this.#splitters[prefix].flush();
    if (this.#ended.size === 2) this.#resolveOver();
  }

  /** Ends both streams (the keeper is known to be gone, the link being unable to say more). */
  endAll(): void {
    this.end('out');
    this.end('err');
  }

  force(): void {
    this.#forced();
  }
}
