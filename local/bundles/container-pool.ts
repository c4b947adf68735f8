import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import type { Context } from 'aws-lambda';
import type { FunctionBundle } from './cloud-assembly';
import { FunctionTimeoutError } from '../lambda-context';

/**
 * Lambda-like containers for one function bundle: child processes of the Lambda runtime's Node binary, each running
 * local/bundles/lambda-shim.mjs with the function's environment. As in Lambda a container takes one invocation at a
 * time; a new one starts (a cold start) only when every warm one is busy, up to `maxContainers`; further invocations
 * wait. A container that times out or dies is discarded, like a Lambda sandbox after a timeout or a crash.
 */
export const SHIM = fileURLToPath(new URL('./lambda-shim.mjs', import.meta.url));

export class FunctionError extends Error {
  constructor(name: string, message: string, readonly remoteStack?: string) {
    super(message);
    this.name = name;
  }
}

export interface ContainerInfo {
  fnId: string;
  pid: number;
  nodeVersion: string;
  taskRoot: string;
  initMs: number;
  invocations: number;
}

interface Pending {
  resolve(value: unknown): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout;
}

interface Container {
  child: ChildProcess;
  info: ContainerInfo;
  busy: boolean;
  pending?: Pending & { id: string };
}

export interface ContainerPoolOptions {
  bundle: FunctionBundle;
  nodeBinary: string;
  /** The whole environment of the container process (nothing is inherited). */
  environment: () => Record<string, string>;
  maxContainers: number;
  log: (line: string) => void;
}

type ShimMessage =
  | { type: 'ready'; nodeVersion: string; initMs: number; pid: number }
  | { type: 'init-error'; error: { name: string; message: string; stack?: string } }
  | { type: 'result'; id: string; ok: true; result: unknown }
  | { type: 'result'; id: string; ok: false; error: { name: string; message: string; stack?: string } };

/** What a container may see of the Lambda context: the serialisable fields and the deadline. */
function contextSnapshot(context: Context, timeoutMs: number) {
  return {
    functionName: context.functionName,
    functionVersion: context.functionVersion,
    invokedFunctionArn: context.invokedFunctionArn,
    memoryLimitInMB: context.memoryLimitInMB,
    awsRequestId: context.awsRequestId,
    logGroupName: context.logGroupName,
    logStreamName: context.logStreamName,
    deadline: Date.now() + Math.min(timeoutMs, context.getRemainingTimeInMillis()),
  };
}

export class ContainerPool {
  private readonly containers = new Set<Container>();
  private readonly waiting: Array<{ resolve: (container: Container) => void; reject: (error: Error) => void }> = [];
  private starting = 0;
  private stopped = false;

  constructor(private readonly options: ContainerPoolOptions) {}

  get info(): ContainerInfo[] {
    return [...this.containers].map((c) => ({ ...c.info }));
  }

  async invoke(event: unknown, context: Context): Promise<unknown> {
    const container = await this.acquire();
    const timeoutMs = this.options.bundle.timeoutSeconds * 1000;
    try {
      return await new Promise<unknown>((resolve, reject) => {
        const id = randomUUID();
        const timer = setTimeout(() => {
          // Lambda ends the sandbox of a timed-out invocation; so does this.
          this.discard(container, new FunctionTimeoutError(`${this.options.bundle.fnId} timed out after ${this.options.bundle.timeoutSeconds} s`));
        }, timeoutMs);
        container.pending = { id, resolve, reject, timer };
        container.info.invocations++;
        container.child.send({ type: 'invoke', id, event, context: contextSnapshot(context, timeoutMs) });
      });
    } finally {
      this.release(container);
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all(
      [...this.containers].map(
        (container) =>
          new Promise<void>((resolve) => {
            if (container.child.exitCode !== null || container.child.signalCode !== null) return resolve();
            container.child.once('exit', () => resolve());
            container.child.kill('SIGTERM');
            setTimeout(() => container.child.kill('SIGKILL'), 2000).unref();
          }),
      ),
    );
    this.containers.clear();
  }

  private acquire(): Promise<Container> {
    if (this.stopped) return Promise.reject(new Error(`${this.options.bundle.fnId}: the runtime is stopping`));
    const idle = [...this.containers].find((c) => !c.busy);
    if (idle) {
      idle.busy = true;
      return Promise.resolve(idle);
    }
    if (this.containers.size + this.starting < this.options.maxContainers) return this.startCounted();
    return new Promise((resolve, reject) => this.waiting.push({ resolve, reject }));
  }

  private startCounted(): Promise<Container> {
    this.starting++;
    return this.start().finally(() => this.starting--);
  }

  private release(container: Container): void {
    container.pending = undefined;
    if (!this.containers.has(container)) return;
    const next = this.waiting.shift();
    if (next) next.resolve(container);
    else container.busy = false;
  }

  private start(): Promise<Container> {
    const { bundle, nodeBinary, log } = this.options;
    return new Promise((resolve, reject) => {
      const child = spawn(nodeBinary, [SHIM], {
        cwd: bundle.taskRoot,
        env: this.options.environment(),
        stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
        serialization: 'json',
      });
      const container: Container = {
        child,
        busy: true,
        info: { fnId: bundle.fnId, pid: child.pid ?? -1, nodeVersion: '', taskRoot: bundle.taskRoot, initMs: 0, invocations: 0 },
      };
      const forward = (chunk: Buffer) => {
        for (const line of chunk.toString().split('\n')) if (line.trim()) log(`${bundle.fnId}: ${line}`);
      };
      child.stdout!.on('data', forward);
      child.stderr!.on('data', forward);
      let ready = false;
      child.on('message', (message: ShimMessage) => {
        if (message.type === 'ready') {
          ready = true;
          Object.assign(container.info, { nodeVersion: message.nodeVersion, initMs: message.initMs, pid: message.pid });
          this.containers.add(container);
          resolve(container);
        } else if (message.type === 'init-error') {
          reject(new FunctionError(message.error.name, `${bundle.fnId} failed to initialise: ${message.error.message}`, message.error.stack));
        } else if (message.type === 'result' && container.pending?.id === message.id) {
          const pending = container.pending;
          clearTimeout(pending.timer);
          if (message.ok) pending.resolve(message.result ?? undefined);
          else pending.reject(new FunctionError(message.error.name, message.error.message, message.error.stack));
        }
      });
      child.once('error', (error) => (ready ? this.discard(container, error) : reject(error)));
      child.once('exit', (code, signal) => {
        if (!ready) reject(new Error(`${bundle.fnId}: the container exited during init (${signal ?? code})`));
        else this.discard(container, new FunctionError('Runtime.ExitError', `${bundle.fnId}: the container exited (${signal ?? code})`));
      });
    });
  }

  private discard(container: Container, error: Error): void {
    if (!this.containers.delete(container)) return;
    const pending = container.pending;
    if (pending) {
      clearTimeout(pending.timer);
      pending.reject(error);
    }
    if (container.child.exitCode === null && container.child.signalCode === null) container.child.kill('SIGKILL');
    if (this.stopped) return;
    this.options.log(`${this.options.bundle.fnId}: container ${container.info.pid} discarded (${error.message})`);
    // Its place is free again: an invocation waiting for a container gets a new one.
    const next = this.waiting.shift();
    if (next) this.startCounted().then(next.resolve, next.reject);
  }
}
