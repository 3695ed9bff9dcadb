import type { EggModel } from './read-egg.js';

/** Something an egg asks for that a host process does not get. */
export interface EggGap {
  /** The egg field, e.g. `docker_images`, `scripts.installation`, `config.files`. */
  readonly field: string;
  /** What it asked for and what to do instead. */
  readonly detail: string;
}

/** Everything in `egg` that fromEgg cannot carry into a process config. */
export function findGaps(egg: EggModel): EggGap[] {
  const raw = egg.raw;
  const config = (raw.config ?? {}) as Record<string, unknown>;
  const gaps: EggGap[] = [];
  const images = listImages(raw);
  if (images.length > 0) {
    gaps.push({
      field: raw.docker_images !== undefined ? 'docker_images' : raw.images ? 'images' : 'image',
      detail: `runs in ${images.join(', ')}; on the host, install what the image provides (java, wine, steamcmd, libraries) yourself`,
    });
  }
  const install = (raw.scripts as { installation?: Record<string, unknown> } | undefined)
    ?.installation;
  if (typeof install?.script === 'string' && install.script.trim() !== '') {
    const container = typeof install.container === 'string' ? ` in ${install.container}` : '';
    gaps.push({
      field: 'scripts.installation',
      detail: `an install script (${install.script.split(/\r?\n/).length} lines, ${String(install.entrypoint ?? 'sh')}${container}) is not run: install the server into installDir first`,
    });
  }
  const files = parseMaybeJson(config.files);
  if (files !== null && typeof files === 'object' && Object.keys(files).length > 0) {
    const list = Object.entries(files as Record<string, { parser?: unknown }>)
      .map(([file, spec]) => `${file} (${String(spec?.parser ?? 'unknown')} parser)`)
      .join(', ');
    gaps.push({ field: 'config.files', detail: `config files are not rewritten: ${list}` });
  }
  const logs = parseMaybeJson(config.logs) as { custom?: unknown; location?: unknown } | null;
  if (logs?.custom === true) {
    gaps.push({
      field: 'config.logs',
      detail: `the log file ${String(logs.location)} is not read`,
    });
  }
  const features = Array.isArray(raw.features) ? raw.features.map(String) : [];
  if (features.length > 0) {
    gaps.push({
      field: 'features',
      detail: `panel features ${features.join(', ')} are not provided`,
    });
  }
  if (Array.isArray(raw.file_denylist) && raw.file_denylist.length > 0) {
    gaps.push({
      field: 'file_denylist',
      detail: `${raw.file_denylist.join(', ')} are not protected`,
    });
  }
  if (egg.otherStartups.length > 0) {
    gaps.push({
      field: 'startup_commands',
      detail: `other startup commands not used: ${egg.otherStartups.join(', ')}`,
    });
  }
  return gaps;
}

function listImages(raw: Readonly<Record<string, unknown>>): string[] {
  if (raw.docker_images !== null && typeof raw.docker_images === 'object') {
    return Object.values(raw.docker_images as Record<string, unknown>).map(String);
  }
  if (Array.isArray(raw.images)) return raw.images.map(String);
  return typeof raw.image === 'string' && !raw.image.startsWith('data:') ? [raw.image] : [];
}

function parseMaybeJson(value: unknown): unknown {
  if (typeof value !== 'string') return value ?? null;
  try {
    return JSON.parse(value);
  } catch {
    return null;
  }
}
