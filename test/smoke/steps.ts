/**
 * A sequence of named steps, each timed and printed as it ends. After the first failure the remaining steps are
 * skipped (and printed as such), except those marked `always` (cleanup), which run regardless.
 */
export interface StepResult {
  name: string;
  status: 'passed' | 'failed' | 'skipped';
  ms: number;
  detail?: string;
  error?: string;
}

export type StepOutcome = string | void;

export class StepRunner {
  readonly results: StepResult[] = [];
  private failed = false;
  private readonly started = performance.now();

  constructor(private readonly print: (line: string) => void) {}

  get ok(): boolean {
    return !this.failed;
  }

  get elapsedMs(): number {
    return performance.now() - this.started;
  }

  /** Runs `fn` unless an earlier step failed; its return value (if a string) is printed as the step's detail. */
  async step(name: string, fn: () => Promise<StepOutcome>, options: { always?: boolean } = {}): Promise<boolean> {
    if (this.failed && !options.always) {
      this.record({ name, status: 'skipped', ms: 0 });
      return false;
    }
    const started = performance.now();
    try {
      const detail = await fn();
      this.record({ name, status: 'passed', ms: performance.now() - started, ...(detail ? { detail } : {}) });
      return true;
    } catch (error) {
      this.failed = true;
      this.record({ name, status: 'failed', ms: performance.now() - started, error: (error as Error).message ?? String(error) });
      return false;
    }
  }

  private record(result: StepResult): void {
    this.results.push(result);
    const mark = { passed: 'ok  ', failed: 'FAIL', skipped: 'skip' }[result.status];
    const ms = result.status === 'skipped' ? '' : `${Math.round(result.ms)} ms`;
    const note = result.error ?? result.detail ?? '';
    this.print(`${mark} ${result.name.padEnd(42)} ${ms.padStart(9)}${note ? `  ${note}` : ''}`);
  }
}
