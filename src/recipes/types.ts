import type { ProcessSupervisorConfig } from '../process/options.js';

/** How a recipe stops its server: a console command on stdin, or a signal. */
export type RecipeStop = { readonly command: string } | { readonly signal: NodeJS.Signals };

/**
 * What gameward knows about one dedicated server. Strings in `executable`, `launcher.args`,
 * `args` and `env` are templates: `{name}` is replaced by the recipe variable `name`, and
 * `{port}`, `{installDir}` and `{memoryMb}` are always defined.
 */
export interface RecipeSpec<V extends string = string> {
  /** The game's name as players know it. */
  readonly title: string;
  /** The server binary or script, relative to the install folder. */
  readonly executable: string;
  /** A program found on PATH that runs `executable` (java, wine, proton). */
  readonly launcher?: { readonly command: string; readonly args: readonly string[] };
  /** The argument template, one template per argument. */
  readonly args: readonly string[];
  /** Extra environment, as templates. */
  readonly env?: Readonly<Record<string, string>>;
  /** Default values of the recipe's variables; `null` marks a variable the caller must give. */
  readonly vars: Readonly<Record<V, string | null>>;
  /** The game port used when the caller gives none. */
  readonly defaultPort: number;
  /** The ready line: a RegExp or a substring, tested on each console line without ANSI codes. */
  readonly readiness: { readonly pattern: RegExp | string; readonly timeoutMs: number };
  readonly stop: RecipeStop;
  /** Budget of the graceful stop: long enough for the game's world save. */
  readonly stopTimeoutMs: number;
  /** True when the server reads console commands on stdin (`supervisor.send()` works). */
  readonly consoleStdin: boolean;
  /** One line of what a user must know: RCON-only consoles, config-file ports, log files. */
  readonly notes: string;
  /** Where each fact comes from (egg files, LinuxGSM configs, issue threads). */
  readonly sources: readonly string[];
}

/** Options every recipe takes. */
export interface RecipeBaseOptions {
  /** The folder the game is installed in; the server's cwd. */
  installDir: string;
  /** The instance id; default `<recipe name>-<port>`. */
  id?: string | undefined;
  /** The game port; default the recipe's `defaultPort`. */
  port?: number | undefined;
  /** Memory for JVM servers in MiB (`-Xmx`); default 2048. */
  memoryMb?: number | undefined;
  /** Appended after the recipe's arguments, verbatim. */
  extraArgs?: readonly string[] | undefined;
  /** Merged over the recipe's environment. */
  env?: Readonly<Record<string, string>> | undefined;
  /** Overrides the recipe's readiness timeout. */
  readinessTimeoutMs?: number | undefined;
  /** Overrides the recipe's stop budget. */
  stopTimeoutMs?: number | undefined;
}

/** The options of one recipe: the base options plus its own variables. */
export type RecipeOptions<V extends string = string> = RecipeBaseOptions & {
  [K in V]?: string | number | undefined;
};

/** The config `recipe()` returns: always with `cwd`, `args` and `readiness` set. */
export type RecipeConfig = ProcessSupervisorConfig & {
  cwd: string;
  executable: string;
  args: readonly string[];
};
