import type { NatsConnection, Subscription } from '@nats-io/transport-node';

export interface Received {
  subject: string;
  text: string;
  json: Record<string, unknown>;
}

/** Records every message on `subject` and lets a test wait for one that matches, without sleeps. */
export class Inbox {
  readonly messages: Received[] = [];
  readonly #subscription: Subscription;
  readonly #waiters = new Set<() => void>();

  constructor(nc: NatsConnection, subject: string) {
    this.#subscription = nc.subscribe(subject, {
      callback: (error, msg) => {
        if (error !== null) return;
        // A callback that throws closes the whole connection in nats.js: never throw here.
        const text = Buffer.from(msg.data).toString('utf8');
        let json: Record<string, unknown> = {};
        try {
          json = JSON.parse(text);
        } catch {
          // Commands under test may be malformed on purpose.
        }
        this.messages.push({ subject: msg.subject, text, json });
        for (const waiter of [...this.#waiters]) waiter();
      },
    });
  }

  on(subject: string): Received[] {
    return this.messages.filter((m) => m.subject === subject);
  }

  /** Resolves with the first message (already received or not) that matches. */
  waitFor(match: (m: Received) => boolean, what: string, timeoutMs = 15_000): Promise<Received> {
    const found = this.messages.find(match);
    if (found !== undefined) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiters.delete(check);
        reject(new Error(`no message ${what} within ${timeoutMs} ms; got:\n${this.#dump()}`));
      }, timeoutMs);
      const check = (): void => {
        const hit = this.messages.find(match);
        if (hit === undefined) return;
        clearTimeout(timer);
        this.#waiters.delete(check);
        resolve(hit);
      };
      this.#waiters.add(check);
    });
  }

  /** Resolves once `count` messages on `subject` have arrived. */
  async waitForCount(subject: string, count: number): Promise<Received[]> {
    await this.waitFor(() => this.on(subject).length >= count, `#${count} on ${subject}`);
    return this.on(subject);
  }

  close(): void {
    this.#subscription.unsubscribe();
  }

  #dump(): string {
    return this.messages.map((m) => `${m.subject} ${m.text}`).join('\n');
  }
}
