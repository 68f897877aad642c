/** Parsing of configured multiaddrs: listen addresses, and peer addresses ending in /p2p/<id>. */

import { peerIdFromString } from "@libp2p/peer-id";
import { type Multiaddr, multiaddr } from "@multiformats/multiaddr";
import { P2pError } from "./errors.js";

export interface PeerAddress {
  /** The peer id from the trailing /p2p/<id>. */
  readonly peerId: string;
  /** The full address, /p2p/<id> included. */
  readonly multiaddr: Multiaddr;
}

function parse(text: string, what: string): Multiaddr {
  try {
    return multiaddr(text.trim());
  } catch (err) {
    throw new P2pError(
      "P2P_BAD_MULTIADDR",
      `${what} ${JSON.stringify(text)} is not a multiaddr: ${String(err)}`,
      {
        addr: text,
      },
    );
  }
}

export function parseListenAddress(text: string): Multiaddr {
  const ma = parse(text, "listen address");
  if (ma.getComponents().some((c) => c.name === "p2p")) {
    throw new P2pError("P2P_BAD_MULTIADDR", `listen address ${text} must not name a peer id (/p2p/…)`, {
      addr: text,
    });
  }
  return ma;
}

/** A peer's dialable address; it must end in /p2p/<peer id> so the noise handshake can check who answers. */
export function parsePeerAddress(text: string): PeerAddress {
  const ma = parse(text, "peer address");
  const last = ma.getComponents().at(-1);
  if (last?.name !== "p2p" || last.value === undefined) {
    throw new P2pError(
      "P2P_BAD_MULTIADDR",
      `peer address ${text} must end in /p2p/<peer id>, e.g. /ip4/127.0.0.1/tcp/26656/p2p/12D3KooW…`,
      { addr: text },
    );
  }
  try {
    peerIdFromString(last.value);
  } catch {
    throw new P2pError("P2P_BAD_MULTIADDR", `peer address ${text} has an invalid peer id ${last.value}`, {
      addr: text,
    });
  }
  return { peerId: last.value, multiaddr: ma };
}

/** True when every address is on a loopback interface (a local network on one machine). */
export function allLoopback(addrs: readonly Multiaddr[]): boolean {
  return (
    addrs.length > 0 &&
    addrs.every((ma) => {
      const host = ma.getComponents()[0];
      return (
        (host?.name === "ip4" && host.value?.startsWith("127.") === true) ||
        (host?.name === "ip6" && host.value === "::1")
      );
    })
  );
}
