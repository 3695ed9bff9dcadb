import { GamewardError } from '../../errors.js';

/** The egg formats fromEgg reads: Pterodactyl's PTDL_v1/v2 and Pelican's PLCN_v1..v3. */
export type EggFormat = 'PTDL_v1' | 'PTDL_v2' | 'PLCN_v1' | 'PLCN_v2' | 'PLCN_v3';

/** One egg variable, as the panel defines it. */
export interface EggVariable {
  readonly env: string;
  readonly name: string;
  readonly defaultValue: string;
  readonly required: boolean;
}

/** The parts of an egg a process can use, read and checked once. */
export interface EggModel {
  readonly name: string;
  readonly format: EggFormat;
  /** Which panel exported it, from `_comment`. */
  readonly exporter: 'pterodactyl' | 'pelican' | 'unknown';
  readonly startup: string;
  /** PLCN_v3 `startup_commands` other than the one used. */
  readonly otherStartups: readonly string[];
  readonly done: readonly string[];
  readonly stop: string | undefined;
  readonly variables: readonly EggVariable[];
  readonly raw: Readonly<Record<string, unknown>>;
}

const FORMATS: readonly string[] = ['PTDL_v1', 'PTDL_v2', 'PLCN_v1', 'PLCN_v2', 'PLCN_v3'];

/** Parses and checks an egg; `startupName` picks one of PLCN_v3's `startup_commands`. */
export function readEgg(egg: unknown, startupName?: string): EggModel {
  const raw = asRecord(typeof egg === 'string' ? parseJson(egg, 'the egg') : egg, 'the egg');
  const meta = raw.meta === undefined ? {} : asRecord(raw.meta, 'meta');
  const version = meta.version;
  if (typeof version !== 'string' || !FORMATS.includes(version)) {
    throw new GamewardError(
      'ERR_UNSUPPORTED',
      `Unsupported egg format ${JSON.stringify(version)} in meta.version: expected one of ${FORMATS.join(', ')}`,
    );
  }
  const name = typeof raw.name === 'string' ? raw.name : 'unnamed egg';
  const config = raw.config === undefined ? {} : asRecord(raw.config, 'config');
  const { startup, others } = pickStartup(raw, name, startupName);
  const comment = typeof raw._comment === 'string' ? raw._comment : '';
  return {
    name,
    format: version as EggFormat,
    exporter: /PTERODACTYL/i.test(comment)
      ? 'pterodactyl'
      : /PANEL/i.test(comment) || version.startsWith('PLCN')
        ? 'pelican'
        : 'unknown',
    startup,
    otherStartups: others,
    done: readDone(config.startup, name),
    stop: typeof config.stop === 'string' && config.stop.trim() !== '' ? config.stop : undefined,
    variables: readVariables(raw.variables, name),
    raw,
  };
}

function pickStartup(
  raw: Record<string, unknown>,
  egg: string,
  wanted: string | undefined,
): { startup: string; others: string[] } {
  if (raw.startup_commands !== undefined) {
    const commands = asRecord(raw.startup_commands, 'startup_commands');
    const names = Object.keys(commands);
    const chosen = wanted ?? (names.includes('Default') ? 'Default' : names[0]);
    const startup = chosen === undefined ? undefined : commands[chosen];
    if (typeof startup !== 'string') {
      throw new GamewardError(
        'ERR_INVALID_CONFIG',
        `Egg ${JSON.stringify(egg)}: no startup command ${JSON.stringify(chosen)} in startup_commands (${names.join(', ')})`,
      );
    }
    return { startup, others: names.filter((n) => n !== chosen) };
  }
  if (typeof raw.startup !== 'string' || raw.startup.trim() === '') {
    throw new GamewardError(
      'ERR_INVALID_CONFIG',
      `Egg ${JSON.stringify(egg)}: expected \`startup\` to be a non-empty string, got ${JSON.stringify(raw.startup)}`,
    );
  }
  return { startup: raw.startup, others: [] };
}

// config.startup is JSON in a string (both panels export it so); `done` is a string or an array.
function readDone(value: unknown, egg: string): string[] {
  if (value === undefined || value === null || value === '') return [];
  const startup = asRecord(
    typeof value === 'string'
      ? parseJson(value, `egg ${JSON.stringify(egg)} config.startup`)
      : value,
    'config.startup',
  );
  const done = startup.done;
  const list = typeof done === 'string' ? [done] : Array.isArray(done) ? done : [];
  return list.filter((item): item is string => typeof item === 'string' && item.length > 0);
}

function readVariables(value: unknown, egg: string): EggVariable[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) {
    throw new GamewardError(
      'ERR_INVALID_CONFIG',
      `Egg ${JSON.stringify(egg)}: expected \`variables\` to be an array`,
    );
  }
  return value.map((item, index) => {
    const record = asRecord(item, `variables[${index}]`);
    const env = record.env_variable;
    if (typeof env !== 'string' || env === '') {
      throw new GamewardError(
        'ERR_INVALID_CONFIG',
        `Egg ${JSON.stringify(egg)}: expected \`variables[${index}].env_variable\` to be a non-empty string`,
      );
    }
    const rules = Array.isArray(record.rules)
      ? record.rules.filter((r): r is string => typeof r === 'string')
      : typeof record.rules === 'string'
        ? record.rules.split('|')
        : [];
    const fallback = record.default_value;
    return {
      env,
      name: typeof record.name === 'string' ? record.name : env,
      defaultValue: fallback === null || fallback === undefined ? '' : String(fallback),
      required: rules.includes('required'),
    };
  });
}

function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch (cause) {
    throw new GamewardError('ERR_INVALID_ARGUMENT', `Cannot parse ${what} as JSON`, { cause });
  }
}

function asRecord(value: unknown, what: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new GamewardError('ERR_INVALID_ARGUMENT', `Expected ${what} to be a JSON object`);
  }
  return value as Record<string, unknown>;
}
