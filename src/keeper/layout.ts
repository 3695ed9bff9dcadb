import { join } from 'node:path';

/** The keeper protocol this gameward writes. A host adopts folders of this version or older. */
export const PROTOCOL_VERSION = 2;
/** The oldest keeper protocol a host still adopts (docs/keeper-protocol.md, "Upgrades"). */
export const OLDEST_PROTOCOL_VERSION = 1;

/** Environment variable carrying a kept server's token; its descendants inherit it, even across setsid. */
export const KEPT_TOKEN_ENV = 'GAMEWARD_KEPT';

/** Default cap of each output stream's retained bytes. */
export const DEFAULT_OUTPUT_CAP_BYTES = 16 * 1024 * 1024;
/** Output is kept as this many segments of `cap / SEGMENTS_KEPT` bytes; the oldest is dropped first. */
export const SEGMENTS_KEPT = 4;
/** Smallest accepted `outputCapBytes`: four segments of 4 KiB. */
export const MIN_OUTPUT_CAP_BYTES = SEGMENTS_KEPT * 4096;

/** A kept server's output streams, and the file prefix each one's segments use. */
export type KeptStream = 'stdout' | 'stderr';
export const STREAM_PREFIX: Readonly<Record<KeptStream, string>> = { stdout: 'out', stderr: 'err' };

/** The files of one instance folder. Every path is built from the folder's real path. */
export interface KeptPaths {
  readonly dir: string;
  readonly script: string;
  readonly spec: string;
  readonly meta: string;
  readonly exit: string;
  readonly alive: string;
  readonly console: string;
  readonly stopRequested: string;
  readonly cursor: string;
  readonly keeperLog: string;
  /** What the server's fd 1 must point at: binds a live server to this folder. */
  readonly outPipe: string;
}

export function keptPaths(realDir: string): KeptPaths {
  return {
    dir: realDir,
    script: join(realDir, 'keeper.sh'),
    spec: join(realDir, 'spec.json'),
    meta: join(realDir, 'meta'),
    exit: join(realDir, 'exit'),
    alive: join(realDir, 'alive'),
    console: join(realDir, 'console'),
    stopRequested: join(realDir, 'stop-requested'),
    cursor: join(realDir, 'cursor'),
    keeperLog: join(realDir, 'keeper.log'),
    outPipe: join(realDir, 'out.pipe'),
  };
}

/** `<dir>/out.00000012`: segment 12 of stdout. */
export function segmentPath(realDir: string, stream: KeptStream, index: number): string {
  return join(realDir, `${STREAM_PREFIX[stream]}.${String(index).padStart(8, '0')}`);
}

/** The segment index in a file name such as `err.00000003`, or undefined for any other name. */
export function segmentIndexOf(name: string, stream: KeptStream): number | undefined {
  const prefix = `${STREAM_PREFIX[stream]}.`;
  if (!name.startsWith(prefix) || name.length !== prefix.length + 8) return undefined;
  const digits = name.slice(prefix.length);
  return /^\d{8}$/.test(digits) ? Number(digits) : undefined;
}

/** Every file a keeper or a host may create in the folder; a relaunch deletes these and only these. */
export function isKeeperFileName(name: string): boolean {
  return (
    /^(?:keeper\.sh|spec\.json|meta|meta\.tmp|exit|exit\.tmp|exit\.spare|alive|console|out\.pipe|err\.pipe|stop-requested|cursor|keeper\.log|status\.msg)$/.test(
      name,
    ) ||
    /^(?:out|err)\.\d{8}$/.test(name) ||
    /^\.keeper\.sh\.\d+\.tmp$/.test(name)
  );
}
