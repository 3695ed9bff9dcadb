import { fileURLToPath } from 'node:url';

/**
 * The absolute path of gameward's fake game server, a tiny dedicated server for your own tests:
 * run it with `process.execPath` as a ProcessSupervisor's executable. Flags (`--name`, `--port`,
 * `--boot-lines`, `--ready`, `--tick-ms`, `--exit-after-ms`...) and console commands (`say`,
 * `crash N`, `quit`) are listed at the top of the file and in docs/testing.md.
 *
 * @example
 * ```ts
 * new ProcessSupervisor({
 *   id: 'test-1',
 *   executable: process.execPath,
 *   args: [fakeGameServer, '--name=alpha', '--port=0'],
 *   readiness: { pattern: 'Server started' },
 *   stopCommand: 'quit',
 * });
 * ```
 */
export const fakeGameServer: string = fileURLToPath(
  new URL('../../assets/fake-game-server.mjs', import.meta.url),
);
