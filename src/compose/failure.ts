import { EngineError } from '../engine/client.js';
import { describeGot, GamewardError } from '../errors.js';
import { abortError } from '../util/abort.js';

/** What a failed docker or compose command left behind. */
export interface CommandFailure {
  /** `compose up`, `docker inspect`... for the message. */
  readonly command: string;
  readonly exitCode?: number | undefined;
  readonly stderr?: string | undefined;
  /** Why the command never ran: the docker CLI or the stack's directory is not there. */
  readonly notRun?: 'docker' | 'cwd' | undefined;
  /** The spawn error (ENOENT...) when the command never ran. */
  readonly cause?: unknown;
}

/** Facts the classification needs about where the command ran. */
export interface FailureContext {
  readonly instanceId: string;
  readonly cwd: string;
  readonly docker: string;
  /** The engine as messages show it (`DOCKER_HOST=...`, or the remote host). */
  readonly engineDisplay: string;
  /** Where the commands run, for messages: empty here, ` on root@host:22` for a remote host. */
  readonly where: string;
  /** Asks `docker compose version`: the installed major version, undefined when there is none. */
  readonly composeMajor: () => Promise<number | undefined>;
}

// How the docker CLI says it cannot reach the engine, on a socket or over TCP.
const ENGINE_DOWN =
  /Cannot connect to the Docker daemon|error during connect|Is the docker daemon running|dial unix [^:]+: connect:|connection refused/i;

/**
 * Turns a failed command into the right {@link GamewardError}: `ERR_ENGINE_UNAVAILABLE` when the
 * engine cannot be reached, `ERR_COMPOSE_MISSING` when the docker CLI or its Compose v2 plugin is
 * absent, `ERR_INVALID_CONFIG` for a `cwd` that does not exist, `ERR_COMPOSE` (with compose's exit
 * code and stderr) for everything compose itself refused.
 */
export async function classifyFailure(
  failure: CommandFailure,
  context: FailureContext,
): Promise<GamewardError> {
  const { instanceId } = context;
  const stderr = failure.stderr?.trim() ?? '';
  const where = context.where;
  if (failure.notRun === 'cwd') {
    return new GamewardError(
      'ERR_INVALID_CONFIG',
      `expected \`cwd\` to be an existing directory${where}, got ${describeGot(context.cwd)}`,
      { instanceId, cause: failure.cause },
    );
  }
  if (failure.notRun === 'docker') {
    return new GamewardError(
      'ERR_COMPOSE_MISSING',
      `the docker CLI ${JSON.stringify(context.docker)} was not found${context.docker.includes('/') ? '' : ' on PATH'}${where}; Docker Compose v2 needs the docker CLI and its compose plugin`,
      { instanceId, cause: failure.cause },
    );
  }
  if (ENGINE_DOWN.test(stderr)) {
    return new GamewardError(
      'ERR_ENGINE_UNAVAILABLE',
      `the Docker engine is unreachable (${context.engineDisplay}): ${firstLine(stderr)}`,
      { instanceId, exitCode: failure.exitCode, stderr, cause: failure.cause },
    );
  }
  const major = await context.composeMajor();
  if (major === undefined || major < 2) {
    const found = major === undefined ? 'not installed' : `version ${major}, not 2 or later`;
    return new GamewardError(
      'ERR_COMPOSE_MISSING',
      `Docker Compose v2 is ${found}${where} (\`${context.docker} compose version\` failed); install the docker compose plugin. ${failure.command} said: ${firstLine(stderr)}`,
      { instanceId, exitCode: failure.exitCode, stderr, cause: failure.cause },
    );
  }
  const code = failure.exitCode === undefined ? '' : ` with exit code ${failure.exitCode}`;
  return new GamewardError(
    'ERR_COMPOSE',
    `\`${failure.command}\` failed${code}: ${summarize(stderr)}`,
    { instanceId, exitCode: failure.exitCode, stderr, cause: failure.cause },
  );
}

/** The installed Compose major version from `docker compose version --short` output. */
export function parseComposeMajor(output: string): number | undefined {
  const match = /^v?(\d+)\./.exec(output.trim());
  return match?.[1] === undefined ? undefined : Number(match[1]);
}

function firstLine(text: string): string {
  return text.split('\n', 1)[0]?.trim() || '(no output)';
}

// Compose prints progress lines before the error: keep the lines that say what went wrong.
function summarize(text: string): string {
  const lines = text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.length > 0);
  const errors = lines.filter((l) => /error|invalid|not found|no such|denied|failed/i.test(l));
  return (errors.length > 0 ? errors.slice(-2) : lines.slice(-1)).join(' | ') || '(no output)';
}

/**
 * Turns an Engine API failure into the right {@link GamewardError}: an engine that cannot be
 * reached or does not answer in time is `ERR_ENGINE_UNAVAILABLE`; a refusal is `ERR_COMPOSE`. An
 * abort's reason (kill's ERR_KILLED...) passes through.
 */
export function engineFailure(error: unknown, instanceId: string, signal?: AbortSignal): Error {
  if (signal?.aborted === true) return abortError(signal, instanceId);
  if (error instanceof GamewardError) return error;
  if (error instanceof EngineError) {
    // The transport's own coded failure (a remote host's SSH link: wrong credentials, host key).
    const under = error.cause;
    if (under instanceof GamewardError && under.code !== 'ERR_ABORTED') {
      return new GamewardError(under.code, under.message, { instanceId, cause: error });
    }
    const code = error.kind === 'unavailable' ? 'ERR_ENGINE_UNAVAILABLE' : 'ERR_COMPOSE';
    return new GamewardError(code, error.message, { instanceId, cause: error });
  }
  return new GamewardError('ERR_ENGINE_UNAVAILABLE', `the Docker engine failed: ${String(error)}`, {
    instanceId,
    cause: error,
  });
}
