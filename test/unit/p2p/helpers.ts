/** Real libp2p hosts on 127.0.0.1 (ephemeral ports) for the p2p tests. */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { utf8 } from "../../../src/codec/bytes.js";
import { sha256 } from "../../../src/crypto/hash.js";
import { silentLogger } from "../../../src/log.js";
import { P2pHost, type P2pHostOptions } from "../../../src/p2p/index.js";

export const CHAIN = "p2p-test-chain";

export function seedFor(name: string): Uint8Array {
  return sha256(utf8(`p2p-test/${name}`));
}

export class HostPool {
  readonly hosts: P2pHost[] = [];
  readonly dirs: string[] = [];

  tempDir(): string {
    const d = mkdtempSync(join(tmpdir(), "dccn-p2p-"));
    this.dirs.push(d);
    return d;
  }

  async start(name: string, opts: Partial<P2pHostOptions> = {}): Promise<P2pHost> {
    const host = await P2pHost.create(
      {
        chainId: CHAIN,
        nodeKeySeed: seedFor(name),
        listen: ["/ip4/127.0.0.1/tcp/0"],
        maintenanceIntervalMs: 500,
        discoveryIntervalMs: 1000,
        gossipHeartbeatMs: 200,
        stopStepTimeoutMs: 2000,
        ...opts,
      },
      { logger: silentLogger },
    );
    this.hosts.push(host);
    await host.start();
    return host;
  }

  async stopAll(): Promise<void> {
    await Promise.all(this.hosts.splice(0).map((h) => h.stop()));
    for (const d of this.dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  }
}

/** Resolves when `check()` holds, re-checking on every gossipsub heartbeat of `host`. */
export function onHeartbeatUntil(
  host: P2pHost,
  check: () => boolean,
  what: string,
  timeoutMs = 15_000,
): Promise<void> {
  return new Promise((resolve, reject) => {
    if (check()) return resolve();
    const timer = setTimeout(() => {
      host.pubsub.removeEventListener("gossipsub:heartbeat", onBeat);
      reject(new Error(`timed out waiting for ${what}`));
    }, timeoutMs);
    const onBeat = () => {
      if (!check()) return;
      clearTimeout(timer);
      host.pubsub.removeEventListener("gossipsub:heartbeat", onBeat);
      resolve();
    };
    host.pubsub.addEventListener("gossipsub:heartbeat", onBeat);
  });
}
