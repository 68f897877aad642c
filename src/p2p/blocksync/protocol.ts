/**
 * The block sync wire protocol, both sides. Serving reads the block store; requesting returns
 * decoded, order-checked responses (verification of their content is the syncer's job).
 */
import type { Stream } from "@libp2p/interface";
import { errorMessage } from "../../errors.js";
import type { Logger } from "../../log.js";
import type { Block, Commit } from "../../types/block.js";
import { P2pError } from "../errors.js";
import { Exchange } from "../exchange.js";
import type { P2pHost } from "../host.js";
import { PeerRateLimiter } from "../rate-limit.js";
import {
  type BlockSyncResponse,
  decodeBlockSyncRequest,
  decodeBlockSyncResponse,
  encodeBlockSyncRequest,
  encodeBlockSyncResponse,
} from "./messages.js";

export const BLOCKSYNC_PROTOCOL = "blocksync/1.0.0";

/** What serving needs from the block store (`BlockStore` satisfies it). */
export interface BlockSource {
  base(): number;
  height(): number;
  loadBlock(height: number): Promise<Block | null>;
  /** The +2/3 precommits for `height` (canonical or seen). */
  loadCommit(height: number): Promise<Commit | null>;
}

export interface PeerStatus {
  readonly base: number;
  readonly height: number;
}

export interface SyncedBlock {
  readonly block: Block;
  readonly commit: Commit;
}

export interface BlockSyncLimits {
  /** Largest block response (block + commit) accepted. */
  readonly maxMessageBytes: number;
  readonly timeoutMs: number;
}

const MAX_REQUEST_BYTES = 64;

function protocolError(peer: string, why: string): P2pError {
  return new P2pError("P2P_BAD_MESSAGE", `block sync: ${peer} ${why}`, { peer });
}

async function readResponse(ex: Exchange, peer: string): Promise<BlockSyncResponse> {
  const bytes = await ex.read();
  try {
    return decodeBlockSyncResponse(bytes);
  } catch (err) {
    throw protocolError(peer, `sent an undecodable response: ${errorMessage(err)}`);
  }
}

export async function requestStatus(
  host: P2pHost,
  peer: string,
  limits: BlockSyncLimits,
): Promise<PeerStatus> {
  const ex = await Exchange.open(host, peer, host.protocolId(BLOCKSYNC_PROTOCOL), limits);
  try {
    await ex.write(encodeBlockSyncRequest({ kind: "status" }));
    const r = await readResponse(ex, peer);
    if (r.kind !== "status") throw protocolError(peer, `answered a status request with ${r.kind}`);
    if (r.base > r.height) throw protocolError(peer, `reported base ${r.base} above height ${r.height}`);
    await ex.close();
    return { base: r.base, height: r.height };
  } catch (err) {
    ex.abort(err instanceof Error ? err : new Error(String(err)));
    throw err;
  }
}

export interface BlockRange {
  readonly blocks: SyncedBlock[];
  /** The height the peer said it does not have (no_block), or null. */
  readonly missingFrom: number | null;
}

/**
 * Fetches up to `count` blocks from `fromHeight`, in order. The answer is shorter when the
 * peer lacks the rest (`missingFrom`) or caps its answers (it then closes the stream early).
 * Out-of-order or unrequested answers are P2P_BAD_MESSAGE.
 */
export async function requestBlocks(
  host: P2pHost,
  peer: string,
  fromHeight: number,
  count: number,
  limits: BlockSyncLimits,
): Promise<BlockRange> {
  const ex = await Exchange.open(host, peer, host.protocolId(BLOCKSYNC_PROTOCOL), limits);
  const blocks: SyncedBlock[] = [];
  let missingFrom: number | null = null;
  try {
    await ex.write(encodeBlockSyncRequest({ kind: "blocks", fromHeight, count }));
    while (blocks.length < count) {
      const want = fromHeight + blocks.length;
      let r: BlockSyncResponse;
      try {
        r = await readResponse(ex, peer);
      } catch (err) {
        // A responder that caps its answers just closes after the last block it sends.
        if (blocks.length > 0 && err instanceof P2pError && err.code === "P2P_NO_RESPONSE") break;
        throw err;
      }
      if (r.kind === "no_block") {
        if (r.height !== want)
          throw protocolError(peer, `answered no_block for ${r.height} when ${want} was next`);
        missingFrom = want;
        break;
      }
      if (r.kind !== "block") throw protocolError(peer, `answered a block request with ${r.kind}`);
      if (r.block.header.height !== want) {
        throw protocolError(peer, `sent block ${r.block.header.height} when ${want} was next`);
      }
      blocks.push({ block: r.block, commit: r.commit });
    }
    await ex.close();
    return { blocks, missingFrom };
  } catch (err) {
    ex.abort(err instanceof Error ? err : new Error(String(err)));
    throw err;
  }
}

export interface BlockSyncServerOptions {
  /** Blocks sent per request at most. Default 32. */
  readonly maxBlocksPerRequest?: number;
  /** Requests served per peer per second. Default 50. */
  readonly servePerSecond?: number;
  readonly timeoutMs?: number;
}

export interface BlockSyncServerModules {
  readonly host: P2pHost;
  readonly source: BlockSource;
  readonly logger: Logger;
}

/** Answers status and block requests from the block store. Every node runs one. */
export class BlockSyncServer {
  private readonly protocol: string;
  private readonly maxBlocks: number;
  private readonly timeoutMs: number;
  private readonly limiter: PeerRateLimiter;

  constructor(
    opts: BlockSyncServerOptions,
    private readonly m: BlockSyncServerModules,
  ) {
    this.protocol = m.host.protocolId(BLOCKSYNC_PROTOCOL);
    this.maxBlocks = opts.maxBlocksPerRequest ?? 32;
    this.timeoutMs = opts.timeoutMs ?? 30_000;
    const perSecond = opts.servePerSecond ?? 50;
    this.limiter = new PeerRateLimiter({ perSecond, burst: perSecond * 2 });
  }

  async start(): Promise<void> {
    await this.m.host.handle(this.protocol, (stream, peer) => this.serve(stream, peer), {
      maxInboundStreams: 16,
    });
  }

  async stop(): Promise<void> {
    await this.m.host.unhandle(this.protocol);
  }

  private serve(stream: Stream, peer: string): Promise<void> {
    const limits = { timeoutMs: this.timeoutMs, maxMessageBytes: MAX_REQUEST_BYTES };
    return Exchange.serve(stream, peer, limits, async (ex) => {
      if (!this.limiter.take(peer)) {
        this.m.host.penalize(peer, "flood");
        throw new P2pError("P2P_BAD_MESSAGE", `block sync: ${peer} exceeds its request rate`, { peer });
      }
      let req: ReturnType<typeof decodeBlockSyncRequest>;
      try {
        req = decodeBlockSyncRequest(await ex.read());
      } catch (err) {
        if (!(err instanceof P2pError)) this.m.host.penalize(peer, "malformed_message");
        throw err;
      }
      const { source } = this.m;
      if (req.kind === "status") {
        await ex.write(
          encodeBlockSyncResponse({ kind: "status", base: source.base(), height: source.height() }),
        );
        return;
      }
      const count = Math.min(req.count, this.maxBlocks);
      for (let h = req.fromHeight; h < req.fromHeight + count; h++) {
        const block = h >= 1 ? await source.loadBlock(h) : null;
        const commit = block === null ? null : await source.loadCommit(h);
        if (block === null || commit === null) {
          await ex.write(encodeBlockSyncResponse({ kind: "no_block", height: h }));
          return;
        }
        await ex.write(encodeBlockSyncResponse({ kind: "block", block, commit }));
      }
    });
  }
}
