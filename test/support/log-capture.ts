import { logger } from '../../shared/observability';

/**
 * Captures everything a test's in-process stack logs: writes to stdout and stderr (the Powertools logger writes there),
 * console calls, and the local runtime's own log callback (access log, integration errors). The handlers' logger is
 * turned to DEBUG for the duration, so the scan sees the most a deployment could ever log. Captured output is not
 * passed through: a fuzz run at DEBUG would bury the test report.
 */
export interface LogCapture {
  /** Pass as the runtime's `log` option. */
  log: (line: string) => void;
  text(): string;
  /** Restores the streams, console and log level. Idempotent. */
  stop(): void;
}

const CONSOLE_METHODS = ['log', 'info', 'warn', 'error', 'debug', 'trace'] as const;

export function captureLogs(): LogCapture {
  const chunks: string[] = [];
  const restores: Array<() => void> = [];
  for (const stream of [process.stdout, process.stderr]) {
    const write = stream.write;
    stream.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
      chunks.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
      const callback = rest.find((arg): arg is () => void => typeof arg === 'function');
      if (callback) queueMicrotask(callback);
      return true;
    }) as typeof stream.write;
    restores.push(() => (stream.write = write));
  }
  for (const method of CONSOLE_METHODS) {
    const original = console[method];
    console[method] = (...args: unknown[]) => {
      chunks.push(args.map((arg) => (typeof arg === 'string' ? arg : safeJson(arg))).join(' '));
    };
    restores.push(() => (console[method] = original));
  }
  restores.push(holdLogLevel('DEBUG'));

  let stopped = false;
  return {
    log: (line) => void chunks.push(line),
    text: () => chunks.join('\n'),
    stop: () => {
      if (stopped) return;
      stopped = true;
      for (const restore of restores.reverse()) restore();
    },
  };
}

/**
 * Sets the handlers' log level for a test and keeps it there: Powertools' injectLambdaContext puts the level back to the
 * logger's initial one at every invocation (its debug-log sampling), so a bare setLogLevel would last one call.
 * Returns the restore.
 */
export function holdLogLevel(level: 'DEBUG' | 'INFO' | 'WARN'): () => void {
  const previous = logger.getLevelName();
  const held = logger as unknown as { refreshSampleRateCalculation: () => void };
  held.refreshSampleRateCalculation = () => undefined;
  logger.setLogLevel(level);
  return () => {
    delete (held as Partial<typeof held>).refreshSampleRateCalculation;
    logger.setLogLevel(previous);
  };
}

function safeJson(value: unknown): string {
  try {
    return value instanceof Error ? `${value.name}: ${value.message}\n${value.stack ?? ''}` : JSON.stringify(value);
  } catch {
    return String(value);
  }
}
