import { describe, expect, it } from 'vitest';
import { ProcessSupervisor } from '../../src/process/index.js';
import type { OutputLine } from '../../src/supervisor.js';
import { nextLine, nodeServer, uniqueId } from './helpers.js';

describe('console: send()', () => {
  it('writes one command line to the server', async () => {
    await using server = nodeServer('fake-game-server.mjs', [], {
      readiness: { pattern: 'Server started' },
    });
    await server.start();
    const before = Date.now();
    await server.send('say hello world');
    const line = await nextLine(server, /\[Server\]/);
    expect(line).toMatchObject({ stream: 'stdout', text: '[Server] hello world' });
    expect(line.time).toBeGreaterThanOrEqual(before);
  });

  it.each([[123], [undefined], [{ toString: () => 'quit' }], ['save\nquit'], ['quit\r']])(
    'rejects %j with ERR_INVALID_ARGUMENT naming the value',
    async (bad) => {
      await using server = nodeServer('fake-game-server.mjs');
      await server.start();
      await expect(server.send(bad as string)).rejects.toMatchObject({
        code: 'ERR_INVALID_ARGUMENT',
        message: expect.stringContaining('`line`'),
      });
    },
  );

  it('rejects ERR_NOT_RUNNING when nothing runs', async () => {
    await using server = nodeServer('fake-game-server.mjs');
    await expect(server.send('say hi')).rejects.toMatchObject({ code: 'ERR_NOT_RUNNING' });
    await server.start();
    await server.send('crash 1');
    await server.waitFor('crashed');
    await expect(server.send('say hi')).rejects.toMatchObject({ code: 'ERR_NOT_RUNNING' });
  });

  it('a server that closed its stdin: send() rejects (EPIPE), the host and the server live on', async () => {
    await using server = new ProcessSupervisor({
      id: uniqueId(),
      executable: '/bin/sh',
      args: ['-c', 'exec 0<&-; echo closed; exec sleep 1000'],
      readiness: { pattern: 'closed' },
    });
    await server.start();
    await expect(server.send('hello')).rejects.toMatchObject({ code: 'ERR_NOT_RUNNING' });
    await expect(server.send('again')).rejects.toMatchObject({ code: 'ERR_NOT_RUNNING' });
    expect(server.state.state).toBe('running');
    await server.kill();
  });
});

describe('console: output', () => {
  it('every stdout and stderr line is an output event and goes to live iterators', async () => {
    // Ready on "Server started", so the crash command cannot overtake that line in the server.
    await using server = nodeServer('fake-game-server.mjs', ['--boot-lines=2'], {
      readiness: { pattern: 'Server started' },
    });
    const controller = new AbortController();
    const seen: OutputLine[] = [];
    const reading = (async () => {
      for await (const line of server.output({ signal: controller.signal })) seen.push(line);
    })();
    await server.start();
    await server.send('crash 9');
    await server.waitFor('crashed');
    await nextLine(server, /Fatal error/);
    controller.abort();
    // An aborted iterator rejects with an AbortError, as `events.on()` does.
    await expect(reading).rejects.toMatchObject({ name: 'AbortError', code: 'ERR_ABORTED' });
    expect(seen.map((l) => [l.stream, l.text])).toEqual([
      ['stdout', 'Loading world chunk 1'],
      ['stdout', 'Loading world chunk 2'],
      ['stdout', 'Server started'],
      ['stderr', 'Fatal error: crashing with code 9'],
    ]);
  });

  it('recentOutput() replays the newest lines, oldest first, from a ring of outputBufferLines', async () => {
    await using server = nodeServer('fake-game-server.mjs', ['--boot-lines=0'], {
      outputBufferLines: 5,
      readiness: { pattern: 'Server started' },
    });
    await server.start();
    await server.send('spam 20');
    await nextLine(server, /^spam 20$/);
    expect(server.recentOutput().map((l) => l.text)).toEqual([
      'spam 16',
      'spam 17',
      'spam 18',
      'spam 19',
      'spam 20',
    ]);
    expect(server.recentOutput(2).map((l) => l.text)).toEqual(['spam 19', 'spam 20']);
  });

  it('a child writing as fast as it can is never blocked, no line is lost, memory is the ring', async () => {
    const total = 200_000;
    await using server = nodeServer('flood.mjs', [`--lines=${total}`], { outputBufferLines: 1000 });
    let count = 0;
    let last = '';
    server.on('output', (line) => {
      count += 1;
      last = line.text;
    });
    const crash = new Promise((resolve) => server.once('crash', resolve));
    await server.start();
    // The flood exits by itself once everything is written: reaching the exit proves no block.
    await crash;
    expect(count).toBe(total);
    expect(last).toBe(`line ${total}`);
    expect(server.recentOutput()).toHaveLength(1000);
    expect(server.recentOutput().at(-1)?.text).toBe(`line ${total}`);
  });

  it('splits lines over 64 KiB and handles CRLF and a lone CR', async () => {
    const long = 'y'.repeat(100_000);
    await using server = new ProcessSupervisor({
      id: uniqueId(),
      executable: process.execPath,
      args: ['-e', `process.stdout.write('a\\r\\nb\\rc\\n${long}\\nend\\n')`],
    });
    const crash = new Promise((resolve) => server.once('crash', resolve));
    await server.start();
    await crash;
    const texts = server.recentOutput().map((l) => l.text);
    expect(texts.slice(0, 3)).toEqual(['a', 'b', 'c']);
    expect(texts.slice(3, -1).every((t) => t.length <= 64 * 1024)).toBe(true);
    expect(texts.slice(3, -1).join('')).toBe(long);
    expect(texts.at(-1)).toBe('end');
  });
});
