/**
 * Ed25519 verification on worker threads. A node's main thread spends about a third of its time
 * under load verifying tx signatures; this pool moves that work to other cores. Requests made in
 * the same turn of the event loop travel to a worker as one packed buffer (a transfer, not a
 * copy), so a batch of hundreds of signatures costs two messages.
 *
 * The pool never changes an answer: a result is exactly `verifySignature`'s. If a worker fails,
 * its outstanding requests are verified on the main thread and the pool continues with the rest
 * (with none left it verifies inline), so callers need no fallback of their own.
 */
import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import { errorMessage } from "../errors.js";
import { type Logger, silentLogger } from "../log.js";
import { PUBKEY_SIZE, SIGNATURE_SIZE, verifySignature } from "./ed25519.js";

/** Workers to start for `signature_workers = -1`: the cores the main thread leaves free, at most 4. */
export function autoWorkerCount(cores: number = availableParallelism()): number {
  return Math.max(1, Math.min(4, cores - 1));
}

export interface VerifyPoolOptions {
  /** Worker threads (0: verify on the calling thread). */
  readonly workers: number;
  /** Requests packed into one message at most (default 1024). */
  readonly maxBatch?: number;
  readonly logger?: Logger;
}

interface Request {
  readonly publicKey: Uint8Array;
  readonly message: Uint8Array;
  readonly signature: Uint8Array;
  resolve(ok: boolean): void;
}

interface Slot {
  readonly worker: Worker;
  /** Batches sent and not yet answered, by id (at most one: see flush). */
  readonly inFlight: Map<number, Request[]>;
}

/*
 * The worker's code, evaluated as a script so the same pool runs from the TypeScript sources
 * (tests) and from the build. A batch is [u32 count] then per item [u32 msgLen][32 pubkey]
 * [64 signature][message]; the answer is one byte per item (1 = valid).
 */
const WORKER_SOURCE = `
const { parentPort } = require("node:worker_threads");
const { createPublicKey, verify } = require("node:crypto");
const SPKI = Buffer.from([0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00]);
const keys = new Map();
function keyOf(pk) {
  const id = pk.toString("hex");
  let key = keys.get(id);
  if (key === undefined) {
    key = createPublicKey({ key: Buffer.concat([SPKI, pk]), format: "der", type: "spki" });
    if (keys.size >= 10000) keys.delete(keys.keys().next().value);
    keys.set(id, key);
  }
  return key;
}
parentPort.on("message", ({ id, buffer }) => {
  const b = Buffer.from(buffer);
  const count = b.readUInt32LE(0);
  const out = new Uint8Array(count);
  let p = 4;
  for (let i = 0; i < count; i++) {
    const len = b.readUInt32LE(p);
    const pk = b.subarray(p + 4, p + 36);
    const sig = b.subarray(p + 36, p + 100);
    const msg = b.subarray(p + 100, p + 100 + len);
    p += 100 + len;
    try {
      out[i] = verify(null, msg, keyOf(pk), sig) ? 1 : 0;
    } catch {
      out[i] = 0;
    }
  }
  parentPort.postMessage({ id, out }, [out.buffer]);
});
`;

const HEADER = 4 + PUBKEY_SIZE + SIGNATURE_SIZE;

export class VerifyPool {
  private readonly slots: Slot[] = [];
  private readonly maxBatch: number;
  private readonly log: Logger;
  private queue: Request[] = [];
  private flushScheduled = false;
  private nextId = 1;
  private closed = false;

  constructor(opts: VerifyPoolOptions) {
    this.maxBatch = opts.maxBatch ?? 1024;
    this.log = opts.logger ?? silentLogger;
    for (let i = 0; i < opts.workers; i++) this.slots.push(this.spawn());
  }

  /** Worker threads running now. */
  get workers(): number {
    return this.slots.length;
  }

  /** Whether `signature` is `publicKey`'s Ed25519 signature of `message` (false for malformed input). */
  verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): Promise<boolean> {
    if (publicKey.length !== PUBKEY_SIZE || signature.length !== SIGNATURE_SIZE)
      return Promise.resolve(false);
    if (this.closed || this.slots.length === 0) {
      return Promise.resolve(verifySignature(publicKey, message, signature));
    }
    return new Promise<boolean>((resolve) => {
      this.queue.push({ publicKey, message, signature, resolve });
      if (this.queue.length >= this.maxBatch) this.flush();
      else if (!this.flushScheduled) {
        this.flushScheduled = true;
        // After the current I/O callbacks: everything they asked for goes in one batch.
        setImmediate(() => this.flush());
      }
    });
  }

  /** Stops the workers; what they had not answered is verified here first. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const slots = this.slots.splice(0);
    for (const slot of slots) this.verifyInline(slot);
    this.flush(); // no workers left: what was queued is verified here
    await Promise.all(slots.map((s) => s.worker.terminate().catch(() => 0)));
  }

  private flush(): void {
    this.flushScheduled = false;
    while (this.queue.length > 0) {
      if (this.slots.length === 0) {
        for (const r of this.queue.splice(0)) r.resolve(verifySignature(r.publicKey, r.message, r.signature));
        return;
      }
      // One batch in flight per worker: what arrives meanwhile waits and goes as one batch when
      // the worker answers. Under load batches grow instead of messages multiplying — each one
      // wakes a sleeping thread on both sides, which cost more CPU than packing many requests.
      const slot = this.slots.find((s) => s.inFlight.size === 0);
      if (slot === undefined) return;
      const batch = this.queue.slice(0, this.maxBatch);
      this.queue = this.queue.slice(batch.length);
      const id = this.nextId++;
      slot.inFlight.set(id, batch);
      const buffer = pack(batch);
      slot.worker.postMessage({ id, buffer }, [buffer]);
    }
  }

  private spawn(): Slot {
    const worker = new Worker(WORKER_SOURCE, { eval: true, name: "dccn-verify" });
    // A pool of idle workers must not keep a stopping process alive.
    worker.unref();
    const slot: Slot = { worker, inFlight: new Map() };
    worker.on("message", (m: { id: number; out: Uint8Array }) => {
      const batch = slot.inFlight.get(m.id);
      if (batch === undefined) return;
      slot.inFlight.delete(m.id);
      for (let i = 0; i < batch.length; i++) batch[i]!.resolve(m.out[i] === 1);
      if (this.queue.length > 0) this.flush();
    });
    worker.on("error", (err) => this.retire(slot, errorMessage(err)));
    worker.on("exit", (code) => {
      if (!this.closed) this.retire(slot, `exited with code ${code}`);
    });
    return slot;
  }

  /** A failed worker leaves the pool; its unanswered requests are verified here. */
  private retire(slot: Slot, why: string): void {
    const i = this.slots.indexOf(slot);
    if (i < 0) return;
    this.slots.splice(i, 1);
    this.log.error("signature worker failed; verifying its requests on the main thread", {
      why,
      workersLeft: this.slots.length,
    });
    this.verifyInline(slot);
    void slot.worker.terminate().catch(() => 0);
    this.flush(); // queued requests go to the workers left, or are verified here
  }

  private verifyInline(slot: Slot): void {
    for (const batch of slot.inFlight.values()) {
      for (const r of batch) r.resolve(verifySignature(r.publicKey, r.message, r.signature));
    }
    slot.inFlight.clear();
  }
}

function pack(batch: readonly Request[]): ArrayBuffer {
  let size = 4;
  for (const r of batch) size += HEADER + r.message.length;
  const buffer = new ArrayBuffer(size);
  const bytes = new Uint8Array(buffer);
  const view = new DataView(buffer);
  view.setUint32(0, batch.length, true);
  let p = 4;
  for (const r of batch) {
    view.setUint32(p, r.message.length, true);
    bytes.set(r.publicKey, p + 4);
    bytes.set(r.signature, p + 4 + PUBKEY_SIZE);
    bytes.set(r.message, p + HEADER);
    p += HEADER + r.message.length;
  }
  return buffer;
}
