import cliProgress from 'cli-progress';
import type { ImportProgress } from '../shared/import/importer';

/**
 * Progress of an import on stderr. On a terminal: a bar over the bytes of the file (the row count is unknown until the
 * end) with running counts; messages are printed above it. Otherwise (a pipe, a CI log): a plain line every `every`
 * rows, so small files stay quiet and big ones show they are alive.
 */
export interface ProgressReporter {
  bytes(read: number): void;
  rows(progress: ImportProgress): void;
  /** Prints one message line without tearing the bar. */
  log(line: string): void;
  stop(): void;
}

export interface ProgressOptions {
  totalBytes: number;
  stream: NodeJS.WriteStream;
  /** Plain mode: one line per this many rows. */
  every: number;
  /** Forces plain mode (tests, `--no-progress`). */
  plain?: boolean;
}

export function createProgress({ totalBytes, stream, every, plain }: ProgressOptions): ProgressReporter {
  const started = Date.now();
  let last: ImportProgress = { processed: 0, created: 0, updated: 0, superseded: 0, failed: 0 };
  let bytesRead = 0;
  const percent = () => (totalBytes > 0 ? Math.min(100, Math.floor((bytesRead / totalBytes) * 100)) : 100);
  const rate = () => Math.round(last.processed / Math.max(0.001, (Date.now() - started) / 1000));

  if (plain || !stream.isTTY) {
    let nextReport = every;
    return {
      bytes: (read) => (bytesRead = read),
      rows: (progress) => {
        last = progress;
        if (progress.processed >= nextReport) {
          nextReport = progress.processed + every;
          stream.write(
            `progress: ${progress.processed} rows (created ${progress.created}, updated ${progress.updated}, failed ${progress.failed}), ${percent()}% of the file read, ${rate()} rows/s\n`,
          );
        }
      },
      log: (line) => stream.write(`${line}\n`),
      stop: () => undefined,
    };
  }

  const multibar = new cliProgress.MultiBar(
    {
      stream,
      hideCursor: true,
      clearOnComplete: true,
      fps: 10,
      format: 'importing [{bar}] {percentage}% | {processed} rows | created {created} updated {updated} failed {failed} | {rate} rows/s',
    },
    cliProgress.Presets.shades_classic,
  );
  const bar = multibar.create(Math.max(1, totalBytes), 0, { ...last, rate: 0 });
  return {
    bytes: (read) => {
      bytesRead = read;
      bar.update(read);
    },
    rows: (progress) => {
      last = progress;
      bar.update(bytesRead, { ...progress, rate: rate() });
    },
    log: (line) => multibar.log(`${line}\n`),
    stop: () => {
      bar.update(bytesRead, { ...last, rate: rate() });
      multibar.stop();
    },
  };
}
