import { isAbsolute, join, resolve } from 'node:path';
import { ConfigValidator } from '../../config/validate.js';
import { GamewardError } from '../../errors.js';
import type { ProcessSupervisorConfig } from '../../process/options.js';
import { expandWords } from './expand.js';
import { type EggGap, findGaps } from './gaps.js';
import { convertDone, convertStop } from './lifecycle.js';
import { type EggFormat, type EggModel, readEgg } from './read-egg.js';
import { tokenize, type Word } from './tokenize.js';

/** Options of {@link fromEgg}. */
export interface FromEggOptions {
  /** The folder the server is installed in (the egg's /home/container); the server's cwd. */
  installDir: string;
  /** The instance id; default a slug of the egg's name. */
  id?: string | undefined;
  /** Values for the egg's variables, over its defaults. */
  variables?: Readonly<Record<string, string | number>> | undefined;
  /** `{{SERVER_PORT}}` / `{{server.build.default.port}}`. */
  port?: number | undefined;
  /** `{{SERVER_MEMORY}}` in MiB. */
  memoryMb?: number | undefined;
  /** `{{SERVER_IP}}`, default 0.0.0.0. */
  ip?: string | undefined;
  /** Used instead of the egg's startup string, for eggs whose startup needs a shell. */
  startup?: string | undefined;
  /** Which of a PLCN_v3 egg's `startup_commands` to use (default "Default", else the first). */
  startupCommand?: string | undefined;
  /** Merged over the variables in the child's environment. */
  env?: Readonly<Record<string, string>> | undefined;
  readinessTimeoutMs?: number | undefined;
  stopTimeoutMs?: number | undefined;
}

/** What {@link fromEgg} returns: a config, and what it could not carry. */
export interface EggImport {
  readonly config: ProcessSupervisorConfig;
  readonly egg: { readonly name: string; readonly format: EggFormat; readonly exporter: string };
  /** Egg parts a host process does not get (image, install script, config parsers, ...). */
  readonly notCarried: readonly EggGap[];
  /** Choices made while converting (paths rewritten, shell variables left empty, ...). */
  readonly notes: readonly string[];
}

const CONTAINER_HOME = /(^|=)\/home\/container(?=\/|$)/g;

/**
 * Turns a Pterodactyl (PTDL_v1, PTDL_v2) or Pelican (PLCN_v1..v3) egg into a ProcessSupervisor
 * config. The startup string is split by gameward's own tokenizer, never a shell: eggs that need
 * one are `ERR_UNSUPPORTED` (pass `startup` to replace the command). A required variable with no
 * value, or a `{{VAR}}` nothing defines, is `ERR_INVALID_CONFIG` naming the variable.
 */
export function fromEgg(egg: unknown, options: FromEggOptions): EggImport {
  const v = new ConfigValidator(undefined, 'fromEgg option ');
  const record = v.object('options', options);
  const installDir = v.string('installDir', record.installDir, { nonEmpty: true });
  const dir = isAbsolute(installDir) ? installDir : resolve(installDir);
  const model = readEgg(egg, options.startupCommand);
  const notes: string[] = [];
  const values = resolveVariables(model, options, dir);
  const words = tokenize(options.startup ?? model.startup);
  const { env: assigned, command } = splitAssignments(words);
  const lookup = makeLookup(model, values, notes);
  const argv = expandWords(command, lookup).map((arg) => rewriteHome(arg, dir, notes));
  const [program, ...args] = argv;
  if (program === undefined) {
    throw new GamewardError(
      'ERR_INVALID_CONFIG',
      `Egg ${JSON.stringify(model.name)}: the startup command is empty`,
    );
  }
  const env: Record<string, string> = { ...values };
  for (const [key, word] of assigned) {
    env[key] = expandWords([word], lookup).join(' ');
    notes.push(`the prefix assignment ${key}=... became an environment variable`);
  }
  Object.assign(env, options.env ?? {});
  const config: ProcessSupervisorConfig = {
    id: options.id ?? slug(model.name),
    executable: program.includes('/')
      ? isAbsolute(program)
        ? program
        : join(dir, program)
      : program,
    args,
    cwd: dir,
    env,
    stopTimeoutMs: options.stopTimeoutMs ?? 60_000,
  };
  const pattern = convertDone(model.done);
  if (pattern !== undefined) {
    config.readiness = { pattern, timeoutMs: options.readinessTimeoutMs ?? 300_000 };
  } else notes.push('the egg has no `done` line: the instance is running as soon as it spawns');
  applyStop(model, config, notes);
  return {
    config,
    egg: { name: model.name, format: model.format, exporter: model.exporter },
    notCarried: findGaps(model),
    notes,
  };
}

function resolveVariables(
  model: EggModel,
  options: FromEggOptions,
  dir: string,
): Record<string, string> {
  const values: Record<string, string> = { SERVER_IP: options.ip ?? '0.0.0.0', HOME: dir };
  if (options.port !== undefined) values.SERVER_PORT = String(options.port);
  if (options.memoryMb !== undefined) values.SERVER_MEMORY = String(options.memoryMb);
  for (const variable of model.variables) values[variable.env] = variable.defaultValue;
  for (const [key, value] of Object.entries(options.variables ?? {})) values[key] = String(value);
  for (const variable of model.variables) {
    if (variable.required && values[variable.env] === '') {
      throw new GamewardError(
        'ERR_INVALID_CONFIG',
        `Egg ${JSON.stringify(model.name)}: the required variable ${variable.env} (${variable.name}) has no value; pass it in \`variables\``,
      );
    }
  }
  return values;
}

// `{{server.build.default.port}}` and friends are the panel's own names for the built-ins.
const PANEL_ALIASES: Readonly<Record<string, string>> = {
  'server.build.default.port': 'SERVER_PORT',
  'server.allocations.default.port': 'SERVER_PORT',
  'server.build.default.ip': 'SERVER_IP',
  'server.allocations.default.ip': 'SERVER_IP',
  'server.build.memory': 'SERVER_MEMORY',
};

function makeLookup(model: EggModel, values: Record<string, string>, notes: string[]) {
  return (part: { name: string; syntax: 'egg' | 'shell' }): string => {
    const name =
      PANEL_ALIASES[part.name] ??
      part.name.replace(/^(server\.build\.env\.|server\.environment\.|env\.)/, '');
    const value = values[name];
    if (value !== undefined) return value;
    if (part.syntax === 'shell') {
      notes.push(
        `the shell variable $${name} is not defined by the egg: expanded to an empty string`,
      );
      return '';
    }
    const hint =
      name === 'SERVER_PORT' ? '`port`' : name === 'SERVER_MEMORY' ? '`memoryMb`' : '`variables`';
    throw new GamewardError(
      'ERR_INVALID_CONFIG',
      `Egg ${JSON.stringify(model.name)}: the startup command uses {{${part.name}}}, which nothing defines; pass it in ${hint}`,
    );
  };
}

// Leading `NAME=value` words are a shell's per-command environment, not arguments.
function splitAssignments(words: readonly Word[]): { env: [string, Word][]; command: Word[] } {
  const env: [string, Word][] = [];
  let index = 0;
  for (; index < words.length; index++) {
    const first = words[index]?.[0];
    const match =
      first?.kind === 'text' && !first.quoted ? /^([A-Za-z_]\w*)=/.exec(first.text) : null;
    if (match === null || first?.kind !== 'text') break;
    const rest = first.text.slice(match[0].length);
    const tail = (words[index] as Word).slice(1);
    env.push([match[1] as string, rest === '' ? tail : [{ ...first, text: rest }, ...tail]]);
  }
  return { env, command: words.slice(index) };
}

function rewriteHome(arg: string, dir: string, notes: string[]): string {
  if (!CONTAINER_HOME.test(arg)) return arg;
  CONTAINER_HOME.lastIndex = 0;
  notes.push(`/home/container in ${JSON.stringify(arg)} became ${dir}`);
  return arg.replace(CONTAINER_HOME, (_m, prefix: string) => `${prefix}${dir}`);
}

function applyStop(model: EggModel, config: ProcessSupervisorConfig, notes: string[]): void {
  if (model.stop === undefined) return;
  const stop = convertStop(model.stop);
  if ('stopCommand' in stop) config.stopCommand = stop.stopCommand;
  else if ('stopSignal' in stop) config.stopSignal = stop.stopSignal;
  else
    notes.push(`the stop ${JSON.stringify(stop.unknown)} is not a known signal: SIGTERM is used`);
}

function slug(name: string): string {
  const id = name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 64);
  return id === '' ? 'egg' : id;
}
