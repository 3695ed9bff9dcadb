import { randomBytes } from 'node:crypto';
import type { RemoteStream } from '../channels.js';
import type { LinkStatus, SshLink } from '../ssh-link.js';
import { HUB_SCRIPT } from './hub-script.js';

/** Where one stream of a kept server has been read up to. */
export interface StreamPosition {
  readonly segment: number;
  readonly offset: number;
}

/** What the hub delivers for one followed instance. */
export interface HubFollower {
  /** Raw output bytes at `at` (a `D` frame). */
  data(prefix: 'out' | 'err', at: StreamPosition, bytes: Buffer): void;
  /** The stream is over: the keeper is gone and every byte was sent. */
  ended(prefix: 'out' | 'err', at: StreamPosition): void;
  /** The hub is back after the link was lost: follow again from where you are. */
  resync(): void;
}

const hubs = new WeakMap<SshLink, RemoteHub>();

/**
 * The host side of the hub (hub-script.ts): one per {@link SshLink}, shared by every remote
 * process instance of that host, on ONE session channel. It restarts the remote hub after the
 * link comes back and asks every follower to resync (they re-follow from their offsets).
 */
export class RemoteHub {
  readonly #link: SshLink;
  readonly #owner = randomBytes(6).toString('hex');
  readonly #followers = new Map<string, HubFollower>();
  #stream: RemoteStream | undefined;
  #starting: Promise<RemoteStream> | undefined;
  #buffer: Buffer = Buffer.alloc(0);
  #users = 0;
  #closed = false;
  readonly #onStatus = (status: LinkStatus): void => this.#statusChanged(status);

  private constructor(link: SshLink) {
    this.#link = link;
    link.on('status', this.#onStatus);
  }

  /** The hub of `link`, made on first use; pair with {@link RemoteHub.release}. */
  static acquire(link: SshLink): RemoteHub {
    let hub = hubs.get(link);
    if (hub === undefined || hub.#closed) {
      hub = new RemoteHub(link);
      hubs.set(link, hub);
    }
    hub.#users++;
    return hub;
  }

  /** Sessions the hub uses on its link: 1 once started. */
  get started(): boolean {
    return this.#stream !== undefined;
  }

  /** Follows `tag`'s two streams; `follower` gets their bytes, their end and resyncs. */
  async follow(
    tag: string,
    dir: string,
    from: { out: StreamPosition; err: StreamPosition },
    segmentBytes: number,
    keeperPid: number,
    follower: HubFollower,
  ): Promise<void> {
    this.#followers.set(tag, follower);
    const lines = (['out', 'err'] as const).map((prefix) => {
      const at = from[prefix];
      return `F ${tag} ${dir} ${prefix} ${at.segment} ${at.offset} ${segmentBytes} ${keeperPid}\n`;
    });
    await this.#write(lines.join(''));
  }

  /** Stops following `tag` (the remote tails end). */
  async unfollow(tag: string): Promise<void> {
    if (!this.#followers.delete(tag)) return;
    if (this.#stream !== undefined) await this.#write(`K ${tag}\n`).catch(() => {});
  }

  /** Forgets `tag` without telling the remote side (its followers end on their own). */
  forget(tag: string): void {
    this.#followers.delete(tag);
  }

  /** Records in the folder how far the host has read, for the next host's replay. */
  saveCursor(dir: string, out: StreamPosition, err: StreamPosition): void {
    if (this.#stream === undefined) return;
    const line = `C ${dir} ${out.segment} ${out.offset} ${err.segment} ${err.offset}\n`;
    this.#write(line).catch(() => {});
  }

  /** One user fewer; the last one ends the remote hub. */
  release(): void {
    this.#users--;
    if (this.#users > 0) return;
    this.#closed = true;
    this.#link.off('status', this.#onStatus);
    if (hubs.get(this.#link) === this) hubs.delete(this.#link);
    const stream = this.#stream;
    this.#stream = undefined;
    if (stream !== undefined) {
      // EOF on its stdin ends the hub and its followers.
      stream.stdin.end();
      setTimeout(() => stream.close(), 2000).unref();
    }
  }

  async #write(text: string): Promise<void> {
    const stream = this.#stream ?? (await this.#start());
    await new Promise<void>((resolve, reject) => {
      stream.stdin.write(text, (error) => (error ? reject(error) : resolve()));
    });
  }

  #start(): Promise<RemoteStream> {
    this.#starting ??= this.#link
      .stream(['sh', '-c', HUB_SCRIPT, 'gameward-hub', this.#owner])
      .then((stream) => {
        this.#stream = stream;
        this.#buffer = Buffer.alloc(0);
        stream.stdout.on('data', (chunk: Buffer) => this.#onData(chunk));
        stream.stderr.resume();
        stream.stdin.on('error', () => {});
        void stream.exit.then(() => this.#lost(stream));
        return stream;
      })
      .finally(() => {
        this.#starting = undefined;
      });
    return this.#starting;
  }

  #lost(stream: RemoteStream): void {
    if (this.#stream === stream) this.#stream = undefined;
    if (this.#closed || this.#followers.size === 0) return;
    // Still up (the hub itself ended): start again now; otherwise the `up` status does it.
    if (this.#link.status.state === 'up') setTimeout(() => this.#resyncAll(), 250).unref();
  }

  #statusChanged(status: LinkStatus): void {
    if (status.state === 'up' && this.#stream === undefined && this.#followers.size > 0) {
      this.#resyncAll();
    }
  }

  #resyncAll(): void {
    for (const follower of [...this.#followers.values()]) follower.resync();
  }

  #onData(chunk: Buffer): void {
    this.#buffer = this.#buffer.length === 0 ? chunk : Buffer.concat([this.#buffer, chunk]);
    for (;;) {
      const eol = this.#buffer.indexOf(10);
      if (eol < 0) return;
      const header = this.#buffer.subarray(0, eol).toString('latin1').split(' ');
      const [kind, tag, prefix, segment, offset, size] = header;
      if (kind === 'D') {
        const n = Number(size);
        if (this.#buffer.length < eol + 1 + n) return;
        const bytes = Buffer.from(this.#buffer.subarray(eol + 1, eol + 1 + n));
        this.#buffer = this.#buffer.subarray(eol + 1 + n);
        const at = { segment: Number(segment), offset: Number(offset) };
        this.#followers.get(tag ?? '')?.data(prefix as 'out' | 'err', at, bytes);
        continue;
      }
      this.#buffer = this.#buffer.subarray(eol + 1);
      if (kind === 'E') {
        const at = { segment: Number(segment), offset: Number(offset) };
        this.#followers.get(tag ?? '')?.ended(prefix as 'out' | 'err', at);
      }
    }
  }
}
