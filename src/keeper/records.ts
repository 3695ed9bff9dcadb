import { constants } from 'node:os';
import { describeGot, GamewardError } from '../errors.js';
import { OLDEST_PROTOCOL_VERSION, PROTOCOL_VERSION } from './layout.js';

/** What the keeper recorded in `meta` once the server was spawned. */
export interface KeeperMeta {
  readonly version: number;
  readonly bootId: string;
  readonly keeperPid: number;
  /** Field 22 of /proc/<pid>/stat; absent in protocol 1 folders. */
  readonly keeperStart: string | undefined;
  readonly serverPid: number;
  readonly serverStart: string;
  /** Marks the server's tree (KEPT_TOKEN_ENV); absent in protocol 1 folders. */
  readonly token: string | undefined;
  readonly segmentBytes: number;
  readonly segmentsKept: number;
}

/** What the keeper recorded in `exit` when the server ended. */
export interface KeeperExit {
  /** The raw `$?` of the keeper's shell: 0-255, 128+N after signal N. */
  readonly status: number;
  readonly exitCode: number | undefined;
  readonly signal: NodeJS.Signals | undefined;
  /** True when 128+N could also have been `exit(128+N)`: SIGINT and SIGPIPE, and protocol 1. */
  readonly ambiguous: boolean;
  readonly stopRequested: boolean;
}

/** Parses `key=value` lines; later keys win, unknown keys are kept for the caller to ignore. */
function parseRecord(text: string): Map<string, string> {
  const fields = new Map<string, string>();
  for (const line of text.split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0) fields.set(line.slice(0, eq), line.slice(eq + 1));
  }
  return fields;
}

function invalid(file: string, field: string, value: unknown, expected: string): GamewardError {
  return new GamewardError(
    'ERR_INVALID_STATE',
    `Expected \`${field}\` in ${file} to be ${expected}, got ${describeGot(value)}`,
  );
}

function readVersion(fields: Map<string, string>, file: string): number {
  const raw = fields.get('version');
  const version = Number(raw);
  if (raw === undefined || !/^\d+$/.test(raw)) {
    throw invalid(file, 'version', raw, 'a keeper protocol version');
  }
  if (version > PROTOCOL_VERSION) {
    throw new GamewardError(
      'ERR_INVALID_STATE',
      `${file} was written by keeper protocol ${version}, newer than this gameward's ${PROTOCOL_VERSION}: upgrade gameward to adopt it`,
    );
  }
  if (version < OLDEST_PROTOCOL_VERSION) {
    throw invalid(
      file,
      'version',
      raw,
      `a protocol from ${OLDEST_PROTOCOL_VERSION} to ${PROTOCOL_VERSION}`,
    );
  }
  return version;
}

function readInt(fields: Map<string, string>, file: string, key: string, min: number): number {
  const raw = fields.get(key);
  if (raw === undefined || !/^\d{1,10}$/.test(raw) || Number(raw) < min) {
    throw invalid(file, key, raw, `an integer >= ${min}`);
  }
  return Number(raw);
}

function readTicks(fields: Map<string, string>, file: string, key: string): string {
  const raw = fields.get(key);
  if (raw === undefined || !/^\d{1,20}$/.test(raw))
    throw invalid(file, key, raw, 'a start time in clock ticks');
  return raw;
}

/** Parses a `meta` file of any supported protocol version; throws ERR_INVALID_STATE otherwise. */
export function parseMeta(text: string, file: string): KeeperMeta {
  const fields = parseRecord(text);
  const version = readVersion(fields, file);
  const bootId = fields.get('boot_id');
  if (bootId === undefined || !/^[0-9a-f-]{36}$/.test(bootId)) {
    throw invalid(file, 'boot_id', bootId, 'a boot id');
  }
  const token = fields.get('token');
  if (version >= 2 && (token === undefined || !/^[0-9a-f]{32}$/.test(token))) {
    throw invalid(file, 'token', token, 'a 32-digit hex token');
  }
  return {
    version,
    bootId,
    keeperPid: readInt(fields, file, 'keeper_pid', 2),
    keeperStart: version >= 2 ? readTicks(fields, file, 'keeper_start') : undefined,
    serverPid: readInt(fields, file, 'server_pid', 2),
    serverStart: readTicks(fields, file, 'server_start'),
    token: version >= 2 ? token : undefined,
    segmentBytes: readInt(fields, file, 'segment_bytes', 1),
    segmentsKept: readInt(fields, file, 'segments_kept', 1),
  };
}

const signalNames = new Map<number, NodeJS.Signals>(
  Object.entries(constants.signals).map(([name, number]) => [number, name as NodeJS.Signals]),
);

/**
 * Parses an `exit` file. Protocol 2 says whether 128+N was a signal (dash reported it); protocol 1
 * did not, so there 128+N for a known signal is read as that signal and flagged ambiguous.
 */
export function parseExit(text: string, file: string): KeeperExit {
  const fields = parseRecord(text);
  const version = readVersion(fields, file);
  const status = readInt(fields, file, 'status', 0);
  if (status > 255) throw invalid(file, 'status', status, 'an exit status from 0 to 255');
  const stopRequested = fields.get('stop_requested') === '1';
  let signalNumber: number | undefined;
  let ambiguous = false;
  if (version >= 2) {
    const raw = fields.get('signal') ?? '';
    if (raw !== '') signalNumber = readInt(fields, file, 'signal', 1);
    ambiguous = fields.get('ambiguous') === '1';
  } else if (status > 128 && signalNames.has(status - 128)) {
    signalNumber = status - 128;
    ambiguous = true;
  }
  const signal = signalNumber === undefined ? undefined : signalNames.get(signalNumber);
  if (signalNumber !== undefined && signal === undefined) {
    throw invalid(file, 'signal', signalNumber, 'a signal number this system knows');
  }
  return {
    status,
    exitCode: signal === undefined ? status : undefined,
    signal,
    ambiguous,
    stopRequested,
  };
}

/** How far a host has read one stream: the byte after the last complete line it delivered. */
export interface StreamCursor {
  readonly segment: number;
  readonly offset: number;
}

/** Both streams' cursors, as the `cursor` file holds them. */
export interface OutputCursor {
  readonly stdout: StreamCursor;
  readonly stderr: StreamCursor;
}

export const START_CURSOR: OutputCursor = {
  stdout: { segment: 0, offset: 0 },
  stderr: { segment: 0, offset: 0 },
};

/** Fixed width, so the host rewrites it in place with one pwrite and never leaves a torn tail. */
export const CURSOR_BYTES = 64;

export function formatCursor(cursor: OutputCursor): Buffer {
  const { stdout: o, stderr: e } = cursor;
  const text = `out ${o.segment} ${o.offset} err ${e.segment} ${e.offset}`;
  return Buffer.from(`${text.padEnd(CURSOR_BYTES - 1)}\n`, 'latin1');
}

/** Parses the `cursor` file; a missing or damaged one means "replay everything retained". */
export function parseCursor(text: string | undefined): OutputCursor {
  const match = /^out (\d+) (\d+) err (\d+) (\d+)\s*$/.exec(text ?? '');
  if (match === null) return START_CURSOR;
  return {
    stdout: { segment: Number(match[1]), offset: Number(match[2]) },
    stderr: { segment: Number(match[3]), offset: Number(match[4]) },
  };
}
