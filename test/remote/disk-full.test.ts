// The remote disk full under a kept server's output (issue 16). The test sshd runs in a mount
// namespace of its own (scripts/setup-sshd.sh), so a small tmpfs mounted over SSH exists on the
// "remote host" only: filling it fills nothing of this machine. The test acts only over SSH.
import { readlinkSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { ProcessSupervisor } from '../../src/process/index.js';
import { fixture } from '../process/helpers.js';
import { cleanUpRemote, onRemote, remoteHost } from './compose-plane.js';
import { describeWithSshd } from './sshd.js';

const DISK = `/tmp/gwr-full-${process.pid}`;
const marker = process.env.GAMEWARD_TEST_RUN;
let counter = 0;

describeWithSshd('remote process instances: the remote disk full', () => {
  let separate = false;
  const open: ProcessSupervisor[] = [];

  beforeAll(async () => {
    const remoteMounts = (await onRemote(['readlink', '/proc/self/ns/mnt'])).trim();
    separate = remoteMounts !== readlinkSync('/proc/self/ns/mnt');
    if (!separate) {
      if (process.env.GAMEWARD_REQUIRE_SSH === '1') {
        throw new Error("the test sshd shares this machine's mounts: run scripts/setup-sshd.sh");
      }
      console.warn('!!! SKIPPING the remote disk-full tests: the test sshd shares our mounts');
      return;
    }
    // 1 MiB: room for the keeper's folder, then filled up by the test.
    await onRemote([
      'sh',
      '-c',
      'mkdir -p "$1" && mount -t tmpfs -o size=1m,mode=0755 gw-full "$1"',
      'sh',
      DISK,
    ]);
  });
  afterEach(async () => {
    await Promise.allSettled(open.splice(0).map((s) => s.close()));
    if (separate) await onRemote(['rm', '-f', `${DISK}/filler`]);
  });
  afterAll(async () => {
    if (separate) await onRemote(['sh', '-c', 'umount "$1"; rmdir "$1"', 'sh', DISK]);
    await cleanUpRemote();
  });

  function make(): ProcessSupervisor {
    counter += 1;
    const s = new ProcessSupervisor({
      id: `full-${process.pid}-${counter}`,
      executable: process.execPath,
      args: [fixture('fake-game-server.mjs'), '--boot-lines=1'],
      stopCommand: 'quit',
      stopTimeoutMs: 5000,
      readiness: { pattern: 'Server started', timeoutMs: 10_000 },
      autoRestart: { enabled: false },
      stateDir: DISK,
      outputCapBytes: 16_384,
      env: marker === undefined ? {} : { GAMEWARD_TEST_RUN: marker },
      host: remoteHost,
    });
    open.push(s);
    return s;
  }

  /** Takes whatever is left of the remote disk. */
  async function fill(): Promise<void> {
    await onRemote([
      'sh',
      '-c',
      'dd if=/dev/zero of="$1/filler" bs=4k 2>/dev/null; true',
      'sh',
      DISK,
    ]);
    const avail = await onRemote(['df', '--output=avail', DISK]);
    expect(Number(avail.split('\n')[1])).toBe(0);
  }

  it('the server keeps running while its output cannot be written, and its exit code is kept', async (t) => {
    if (!separate) return t.skip();
    const s = make();
    await s.start();
    await fill();
    // Output that cannot be written: the keeper drops it, and must not take the server with it.
    await s.send('spam 5000');
    const stats = await s.stats();
    expect(stats.processCount).toBeGreaterThanOrEqual(1);
    expect(s.state.state).toBe('running');
    await s.send('crash 3');
    await s.waitFor('crashed', { timeoutMs: 15_000 });
    expect(s.state).toMatchObject({ state: 'crashed', exitCode: 3 });
  });

  it('stop() on a full disk ends stopped', async (t) => {
    if (!separate) return t.skip();
    const s = make();
    await s.start();
    await fill();
    await s.send('spam 5000');
    await s.stop();
    expect(s.state.state).toBe('stopped');
  });

  it('a disk already full at launch: start() rejects, naming the cause, and nothing runs', async (t) => {
    if (!separate) return t.skip();
    await fill();
    const s = make();
    const error = await s.start().catch((e: unknown) => e);
    expect(error).toMatchObject({ instanceId: s.instanceId });
    expect((error as Error).message).toMatch(/No space left on device/);
    expect(s.state.state).not.toBe('running');
  });
});
