import { readFileSync, realpathSync } from 'node:fs';
import type { KeptHandlers } from './kept-server.js';
import { keptPaths } from './layout.js';
import { StreamTail } from './output-tail.js';
import { parseCursor, parseMeta } from './records.js';

/**
 * Delivers the output of an ended server that no host read yet (from the last host's cursor),
 * e.g. after {@link adoptKept} answered `exited`, so the lines printed before the crash are kept.
 * Synchronous; reads at most the retained segments. Returns the number of lines delivered.
 */
export function replayKeptOutput(
  dir: string,
  handlers: Pick<KeptHandlers, 'onLine' | 'onDropped'>,
): number {
  const paths = keptPaths(realpathSync(dir));
  const meta = parseMeta(readFileSync(paths.meta, 'latin1'), paths.meta);
  let cursorText: string | undefined;
  try {
    cursorText = readFileSync(paths.cursor, 'latin1');
  } catch {
    cursorText = undefined;
  }
  const cursor = parseCursor(cursorText);
  let count = 0;
  const sink = {
    line: (stream: 'stdout' | 'stderr', text: string, _replayed: boolean, time: Date) => {
      count += 1;
      handlers.onLine?.({ stream, text, time, replayed: true });
    },
    dropped: (info: Parameters<NonNullable<KeptHandlers['onDropped']>>[0]) =>
      handlers.onDropped?.(info),
  };
  for (const stream of ['stdout', 'stderr'] as const) {
    const tail = new StreamTail(paths.dir, stream, cursor[stream], meta.segmentBytes, sink);
    tail.pump(Number.POSITIVE_INFINITY);
    tail.flush();
    tail.close();
  }
  return count;
}
