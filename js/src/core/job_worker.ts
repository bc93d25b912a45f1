/**
 * The message protocol between an engine worker and its compaction worker,
 * both ends, for every platform (node_compaction_worker.ts,
 * compaction_worker.ts in the browser).
 *
 *   engine worker → compaction worker:  { id, op: 'run', job, ...platform fields }
 *   compaction worker → engine worker:  { ready: true } once its engine loaded
 *                                       (or { ready: false, error }), then
 *                                       { id, ok: true, result, info? } | { id, ok: false, error }
 *                                       (info: what the job's I/O cost, for people)
 *
 * Job and result bytes are opaque here (the engine's wire format); their
 * buffers are transferred. One job is in flight at a time (JobBackground),
 * but ids keep answers matched anyway.
 *
 * JobWorkerClient starts the worker lazily and again after it died: a dead
 * worker fails the job in flight with IO_ERROR (transient: the job is
 * abandoned and picked again later).
 */
import { IOError, type SerializedError, ShaleError, deserializeError, serializeError } from '../shared/errors.js';

/** What the engine worker needs of a started compaction worker. */
export interface JobPort {
  postMessage(message: unknown, transfer: Transferable[]): void;
  /** Messages from the worker. */
  onMessage(listener: (data: unknown) => void): void;
  /** The worker failed or exited; it is gone. */
  onExit(listener: (reason: string) => void): void;
  /** Ends the worker at once; resolves when it is gone. */
  terminate(): Promise<void>;
}

export interface JobRequest {
  [field: string]: unknown;
  id: number;
  op: 'run';
  job: Uint8Array;
}

/** How long an engine worker waits for its compaction worker's `ready` before compacting inline. */
export const START_TIMEOUT_MS = 10_000;

type Reply = { id: number; ok: true; result: Uint8Array; info?: string } | { id: number; ok: false; error: SerializedError };
type Ready = { ready: true } | { ready: false; error: SerializedError };

interface Pending {
  resolve(result: Uint8Array): void;
  reject(err: Error): void;
}

export class JobWorkerClient {
  private port: Promise<JobPort> | undefined;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private terminated = false;
  private generation = 0;
  /** The worker being started, until it says ready: terminate() ends it without waiting for that. */
  private starting: { port: JobPort; abandon(): void } | undefined;
  /** The `info` of the last successful job, if its worker reported one. */
  lastInfo = '';

  /** `spawn` starts a compaction worker (throws when none can be started). */
  constructor(private readonly spawn: () => JobPort) {}

  /**
   * A started client, or undefined when no worker can start here or it did
   * not say `ready` within `timeoutMs` (a script that never loads): jobs then
   * run inline, and `onFallback` gets the reason (for stats).
   */
  static async startOrUndefined(
    spawn: () => JobPort,
    options: { timeoutMs?: number; onFallback?: (reason: string) => void } = {},
  ): Promise<JobWorkerClient | undefined> {
    const client = new JobWorkerClient(spawn);
    const timeoutMs = options.timeoutMs ?? START_TIMEOUT_MS;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timedOut = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new IOError(`the compaction worker did not start within ${timeoutMs} ms`)), timeoutMs);
    });
    try {
      await Promise.race([client.start(), timedOut]);
      return client;
    } catch (err) {
      options.onFallback?.((err as Error)?.message ?? String(err));
      await client.terminate();
      return undefined;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Starts the worker now and resolves once its engine is loaded; rejects when it cannot start. */
  start(): Promise<JobPort> {
    if (this.terminated) return Promise.reject(new IOError('the compaction worker was terminated'));
    if (!this.port) {
      const port = this.startWorker(++this.generation);
      port.catch(() => {});
      this.port = port;
    }
    return this.port;
  }

  /** Sends `request` (without id) and resolves with the job's result bytes. */
  async run(request: Omit<JobRequest, 'id'>, transfer: Transferable[] = []): Promise<Uint8Array> {
    const port = await this.start();
    const id = this.nextId++;
    return new Promise<Uint8Array>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      try {
        port.postMessage({ ...request, id }, transfer);
      } catch (err) {
        this.pending.delete(id);
        reject(err);
      }
    });
  }

  async terminate(): Promise<void> {
    this.terminated = true;
    const port = this.port;
    this.port = undefined;
    this.failAll('the compaction worker was terminated');
    // One that never said ready (its port promise never settles) is ended directly.
    const starting = this.starting;
    this.starting = undefined;
    if (starting) {
      starting.abandon();
      await starting.port.terminate();
      return;
    }
    if (port) await port.then((p) => p.terminate(), () => {});
  }

  private startWorker(generation: number): Promise<JobPort> {
    return new Promise<JobPort>((resolve, reject) => {
      let ready = false;
      let port: JobPort;
      try {
        port = this.spawn();
      } catch (err) {
        reject(err);
        return;
      }
      const starting = { port, abandon: () => reject(new IOError('the compaction worker was terminated before it started')) };
      this.starting = starting;
      port.onMessage((data) => {
        if (!ready) {
          if (this.starting === starting) this.starting = undefined;
          const r = data as Ready;
          if (r.ready) {
            ready = true;
            resolve(port);
          } else {
            reject(deserializeError(r.error));
            void port.terminate();
          }
          return;
        }
        const reply = data as Reply;
        const p = this.pending.get(reply.id);
        if (!p) return;
        this.pending.delete(reply.id);
        if (reply.ok) {
          if (reply.info) this.lastInfo = reply.info;
          p.resolve(reply.result);
        }
        else p.reject(deserializeError(reply.error));
      });
      port.onExit((reason) => {
        if (this.starting === starting) this.starting = undefined;
        if (!ready) reject(new IOError(`the compaction worker could not start: ${reason}`));
        // The next job starts a new worker.
        if (this.generation === generation) this.port = undefined;
        this.failAll(`the compaction worker ${reason}`);
      });
    });
  }

  private failAll(reason: string): void {
    const pending = [...this.pending.values()];
    this.pending.clear();
    for (const p of pending) p.reject(new IOError(reason));
  }
}

/** What a job handler returns: the result bytes, optionally with a line about its I/O. */
export type JobOutput = Uint8Array | { result: Uint8Array; info: string };

/** The engine of a compaction worker: runs one job (throws ShaleError). */
export type JobHandler = (request: JobRequest) => JobOutput | Promise<JobOutput>;

/** What a compaction worker needs of its parent port. */
export interface ParentPort {
  postMessage(message: unknown, transfer?: Transferable[]): void;
  onMessage(listener: (data: unknown) => void): void;
}

/**
 * The compaction worker's side: loads its engine with `load`, says ready,
 * then runs each request with the handler it got and answers.
 */
export function serveJobs(port: ParentPort, load: () => Promise<JobHandler>): void {
  const handler = load();
  const queue: JobRequest[] = [];
  let busy = false;
  const next = async () => {
    if (busy) return;
    busy = true;
    const run = await handler;
    for (let request = queue.shift(); request; request = queue.shift()) {
      try {
        const output = await run(request);
        const { result, info } = output instanceof Uint8Array ? { result: output, info: undefined } : output;
        port.postMessage({ id: request.id, ok: true, result, info }, [result.buffer as ArrayBuffer]);
      } catch (err) {
        port.postMessage({ id: request.id, ok: false, error: serializeError(err) });
      }
    }
    busy = false;
  };
  handler.then(
    () => port.postMessage({ ready: true }),
    (err) => port.postMessage({ ready: false, error: serializeError(err instanceof ShaleError ? err : new IOError(String((err as Error)?.message ?? err))) }),
  );
  port.onMessage((data) => {
    queue.push(data as JobRequest);
    void next();
  });
}
