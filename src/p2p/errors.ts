import { DccnError } from "../errors.js";

export type P2pErrorCode =
  /** A configured multiaddr is malformed or lacks the /p2p/<peer id> it needs. */
  | "P2P_BAD_MULTIADDR"
  | "P2P_BAD_NODE_KEY"
  | "P2P_START_FAILED"
  | "P2P_NOT_STARTED"
  /** A request, dial or teardown step took longer than its limit. */
  | "P2P_TIMEOUT"
  /** A message exceeds the size limit of its protocol or topic (rejected before decoding). */
  | "P2P_MESSAGE_TOO_LARGE"
  /** A peer sent bytes that do not decode, or a message the protocol does not allow here. */
  | "P2P_BAD_MESSAGE"
  /** The remote side closed the stream before answering. */
  | "P2P_NO_RESPONSE";

export class P2pError extends DccnError<P2pErrorCode> {
  constructor(
    code: P2pErrorCode,
    message: string,
    meta: Record<string, unknown> = {},
    options?: { cause?: unknown },
  ) {
    super(code, message, meta, options);
    this.name = "P2pError";
  }
}
