import { isAbsolute, join, resolve } from 'node:path';
import { ConfigValidator } from '../config/validate.js';
import { GamewardError } from '../errors.js';
import { catalog } from './catalog/index.js';
import { fillTemplate } from './template.js';
import type { RecipeBaseOptions, RecipeConfig, RecipeOptions, RecipeSpec } from './types.js';

/** The name of a built-in recipe: `'rust'`, `'minecraft-paper'`, ... */
export type RecipeName = keyof typeof catalog;

/** The variable names one recipe accepts, e.g. `'hostname' | 'seed' | ...` for `'rust'`. */
export type RecipeVarName<N extends RecipeName> =
  (typeof catalog)[N] extends RecipeSpec<infer V> ? V : never;

/** Every built-in recipe name, in the order of the docs table. */
export const recipeNames = Object.freeze(Object.keys(catalog)) as readonly RecipeName[];

const BASE_KEYS = [
  'installDir',
  'id',
  'port',
  'memoryMb',
  'extraArgs',
  'env',
  'readinessTimeoutMs',
  'stopTimeoutMs',
];

/**
 * A {@link ProcessSupervisor} config for a known game server installed in `installDir`.
 * `cwd` is always `installDir`; `id` defaults to `<name>-<port>`. Unknown option keys and
 * missing required variables (an admin password, ...) are `ERR_INVALID_CONFIG`.
 */
export function recipe<N extends RecipeName>(
  name: N,
  options: RecipeOptions<RecipeVarName<N>>,
): RecipeConfig {
  const spec = lookup(name) as RecipeSpec;
  const where = `recipe(${JSON.stringify(name)})`;
  const v = new ConfigValidator(undefined, `${where} option `);
  const record = v.object('options', options);
  v.knownKeys(record, [...BASE_KEYS, ...Object.keys(spec.vars)]);
  const base = record as unknown as RecipeBaseOptions;
  const installDir = v.string('installDir', base.installDir, { nonEmpty: true });
  const port = base.port === undefined ? spec.defaultPort : v.integer('port', base.port, 1, 65_535);
  const memoryMb = base.memoryMb === undefined ? 2048 : v.integer('memoryMb', base.memoryMb, 64);
  const dir = isAbsolute(installDir) ? installDir : resolve(installDir);
  const values: Record<string, string> = {
    installDir: dir,
    port: String(port),
    memoryMb: String(memoryMb),
  };
  for (const [key, fallback] of Object.entries(spec.vars)) {
    values[key] = readVar(v, key, record[key], fallback);
  }
  const fill = (template: string): string => fillTemplate(template, values, where);
  const executable = join(dir, fill(spec.executable));
  const args = [
    ...(spec.launcher?.args.map(fill) ?? []),
    ...(spec.launcher === undefined ? [] : [executable]),
    ...spec.args.map(fill),
    ...(base.extraArgs === undefined ? [] : v.stringArray('extraArgs', base.extraArgs)),
  ];
  const env = {
    ...Object.fromEntries(Object.entries(spec.env ?? {}).map(([k, t]) => [k, fill(t)])),
    ...(base.env === undefined ? {} : v.env('env', base.env)),
  };
  const timeoutMs =
    base.readinessTimeoutMs === undefined
      ? spec.readiness.timeoutMs
      : v.durationMs('readinessTimeoutMs', base.readinessTimeoutMs, 1);
  return {
    id: base.id === undefined ? `${name}-${port}` : v.id('id', base.id),
    executable: spec.launcher?.command ?? executable,
    args,
    cwd: dir,
    ...(Object.keys(env).length > 0 ? { env } : {}),
    readiness: { pattern: spec.readiness.pattern, timeoutMs },
    ...('command' in spec.stop
      ? { stopCommand: spec.stop.command }
      : { stopSignal: spec.stop.signal }),
    stopTimeoutMs:
      base.stopTimeoutMs === undefined
        ? spec.stopTimeoutMs
        : v.durationMs('stopTimeoutMs', base.stopTimeoutMs),
  };
}

function lookup(name: string): RecipeSpec {
  if (!Object.hasOwn(catalog, name)) {
    throw new GamewardError(
      'ERR_INVALID_ARGUMENT',
      `Unknown recipe ${JSON.stringify(name)}: expected one of ${recipeNames.join(', ')}`,
    );
  }
  return catalog[name as RecipeName] as RecipeSpec;
}

function readVar(v: ConfigValidator, key: string, value: unknown, fallback: string | null): string {
  if (value === undefined) {
    if (fallback === null) v.fail(key, 'given (this recipe has no default for it)', value);
    return fallback;
  }
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return v.string(key, value);
}
