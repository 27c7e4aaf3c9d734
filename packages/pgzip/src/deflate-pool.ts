import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import { AbortedError } from "@exp/errors";
import { Semaphore } from "@exp/locks";
import { outputChunkBytes, type BlockDeflater, type DeflateBlock, type DeflatedBlock } from "./deflate-block.js";
import { DeflatePoolClosedError, DeflateWorkerError } from "./errors.js";
import { workerSource } from "./worker-source.js";

export interface DeflatePoolOptions {
  /** Worker threads; default: the cores Node may use (`os.availableParallelism()`). */
  threads?: number;
  /**
   * Blocks admitted at once over every stream that shares the pool (queued or deflating); a
   * caller past it waits. Bounds memory when many layers compress together. Default 2 × threads.
   */
  capacity?: number;
  /**
   * Jobs handed to one worker at a time; default 2. More than one keeps a worker busy while this
   * thread, which on a loaded machine waits for a core behind the workers, gets to its results.
   */
  perWorker?: number;
  /** The workers' code; tests swap in a broken one. */
  source?: string;
}

interface Job {
  id: number;
  block: DeflateBlock;
  resolve: (done: DeflatedBlock) => void;
  reject: (error: unknown) => void;
}

interface PoolWorker {
  thread: Worker;
  jobs: Map<number, Job>;
}

/**
 * Worker threads that deflate blocks: for a machine with more cores than libuv's pool has threads
 * (4 unless UV_THREADPOOL_SIZE says more), where LibuvDeflater, the default, cannot use them all.
 * It costs memory: each worker is a heap and a thread of its own, and 4 streams at once on 2 cores
 * peaked ~25 MiB higher than with LibuvDeflater, at about the same speed (bench/OPTIMIZATIONS.md).
 *
 * Workers start on first use, at most `threads`, and are unref'd while idle, so an idle pool
 * never keeps a process alive. Each worker gets up to two jobs at once, so it has the next block
 * in hand while this thread handles the one it just finished.
 */
export class DeflatePool implements BlockDeflater {
  readonly threads: number;
  readonly parallelism: number;
  private readonly admission: Semaphore;
  private readonly source: string;
  private readonly perWorker: number;
  private readonly workers: PoolWorker[] = [];
  private readonly queued: Job[] = [];
  private nextId = 0;
  private closed = false;

  constructor(options: DeflatePoolOptions = {}) {
    this.threads = Math.max(1, Math.floor(options.threads ?? availableParallelism()));
    this.parallelism = this.threads;
    this.admission = new Semaphore(Math.max(1, options.capacity ?? 2 * this.threads), "waiting for a deflate slot");
    this.source = options.source ?? workerSource;
    this.perWorker = Math.max(1, Math.floor(options.perWorker ?? 2));
  }

  /**
   * Deflates one block. `block.input`'s (and the dictionary's) memory is transferred to a worker
   * and comes back in the result, to be filled again.
   */
  async deflate(block: DeflateBlock, signal?: AbortSignal): Promise<DeflatedBlock> {
    if (this.closed) throw new DeflatePoolClosedError();
    const release = await this.admission.acquire(signal);
    try {
      if (this.closed) throw new DeflatePoolClosedError();
      // Once handed to a worker a block cannot be taken back; an abort only stops the waiting.
      if (signal?.aborted) throw new AbortedError("deflating a gzip block", signal.reason);
      return await new Promise<DeflatedBlock>((resolve, reject) => {
        this.queued.push({ id: this.nextId++, block, resolve, reject });
        this.dispatch();
      });
    } finally {
      release();
    }
  }

  /** Ends every worker; queued and running jobs fail with DeflatePoolClosedError. */
  async close(): Promise<void> {
    this.closed = true;
    for (const job of this.queued.splice(0)) job.reject(new DeflatePoolClosedError());
    const workers = this.workers.splice(0);
    for (const worker of workers) {
      for (const job of worker.jobs.values()) job.reject(new DeflatePoolClosedError());
      worker.jobs.clear();
    }
    await Promise.all(workers.map((w) => w.thread.terminate()));
  }

  private dispatch(): void {
    while (this.queued.length > 0) {
      const worker = this.idlest();
      if (!worker) return;
      const job = this.queued.shift()!;
      if (worker.jobs.size === 0) worker.thread.ref();
      worker.jobs.set(job.id, job);
      const { input, dictionary, level, final } = job.block;
      const transfer = dictionary ? [input.buffer, dictionary.buffer] : [input.buffer];
      worker.thread.postMessage({ id: job.id, input, dictionary, level, final, chunkSize: outputChunkBytes(input.byteLength) }, transfer as ArrayBuffer[]);
    }
  }

  /** The worker with the fewest jobs under perWorker, starting one while fewer than `threads` run. */
  private idlest(): PoolWorker | undefined {
    let best: PoolWorker | undefined;
    for (const worker of this.workers) if (worker.jobs.size < this.perWorker && (!best || worker.jobs.size < best.jobs.size)) best = worker;
    if (best && best.jobs.size === 0) return best;
    if (this.workers.length < this.threads) return this.spawn();
    return best;
  }

  private spawn(): PoolWorker {
    // execArgv: [] so a worker does not load what the parent was started with (tsx, --cpu-prof).
    const thread = new Worker(this.source, { eval: true, execArgv: [] });
    const worker: PoolWorker = { thread, jobs: new Map() };
    thread.unref();
    thread.on("message", (message: { id: number; output?: Uint8Array; input?: Uint8Array; dictionary?: Uint8Array; error?: string }) => {
      const job = worker.jobs.get(message.id);
      if (!job) return;
      worker.jobs.delete(message.id);
      if (worker.jobs.size === 0) thread.unref();
      const { output, input, dictionary } = message;
      if (output && input) job.resolve({ output: Buffer.from(output.buffer, output.byteOffset, output.byteLength), input, dictionary });
      else job.reject(new DeflateWorkerError(message.error ?? "no output"));
      this.dispatch();
    });
    const fail = (reason: string, cause?: unknown) => {
      const at = this.workers.indexOf(worker);
      if (at < 0) return;
      this.workers.splice(at, 1);
      for (const job of worker.jobs.values()) job.reject(new DeflateWorkerError(reason, cause));
      worker.jobs.clear();
      // Jobs still queued go to the others, or to a new worker.
      if (!this.closed) this.dispatch();
    };
    thread.on("error", (error) => fail(error.message, error));
    thread.on("exit", (code) => fail(`the thread exited with code ${code}`));
    this.workers.push(worker);
    return worker;
  }
}

