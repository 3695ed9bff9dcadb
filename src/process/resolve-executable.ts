import { constants, existsSync } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { delimiter, resolve } from 'node:path';
import { hasSeparator } from './options.js';

/**
 * Finds the file to spawn. A path only has to exist (a directory or a file without the execute bit
 * is left to spawn, which fails with the OS error); a bare name is looked up on PATH like a shell
 * does. The last PATH hit is cached, so a start costs one `stat` unless the file went away.
 */
export class ExecutableResolver {
  readonly #name: string;
  readonly #pathVariable: string | undefined;
  #cached: string | undefined;

  /** `env` is the instance's own environment, whose PATH wins over the host's. */
  constructor(name: string, env: Readonly<Record<string, string>> | undefined) {
    this.#name = name;
    this.#pathVariable = env?.PATH ?? env?.Path ?? process.env.PATH ?? process.env.Path;
  }

  /** The absolute file to spawn, or undefined when there is none. */
  async resolve(): Promise<string | undefined> {
    // One stat syscall (microseconds) on every start: cheaper than a thread-pool round trip.
    if (hasSeparator(this.#name)) return existsSync(this.#name) ? this.#name : undefined;
    if (this.#cached !== undefined && existsSync(this.#cached)) return this.#cached;
    this.#cached = await searchPath(this.#name, this.#pathVariable);
    return this.#cached;
  }
}

async function searchPath(
  name: string,
  pathVariable: string | undefined,
): Promise<string | undefined> {
  const dirs = (pathVariable ?? '').split(delimiter).filter((dir) => dir.length > 0);
  const extensions =
    process.platform === 'win32'
      ? ['', ...(process.env.PATHEXT ?? '.EXE;.CMD;.BAT').split(';')]
      : [''];
  for (const dir of dirs) {
    for (const extension of extensions) {
      const candidate = resolve(dir, name + extension);
      if (await isExecutableFile(candidate)) return candidate;
    }
  }
  return undefined;
}

async function isExecutableFile(file: string): Promise<boolean> {
  try {
    if (!(await stat(file)).isFile()) return false;
    await access(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
