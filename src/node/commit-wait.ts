/**
 * The pause between committing a block and starting the next height (CometBFT's
 * timeout_commit): late precommits still reach the next block's lastCommit, and txs gather.
 *
 * A node that decided late gains nothing from it. Once a signed message for the next height has
 * arrived, peers started that height without us: waiting on would only keep this node a step
 * behind, its votes landing after each height is over, so it never signs a commit. The host
 * then calls `hurry` and the wait ends — except on the node that proposes the next height's
 * first round, whose lastCommit is what the wait is for.
 */
export class CommitWait {
  private timer: NodeJS.Timeout | null = null;
  private start: (() => void) | null = null;
  private proposesNext = false;
  private hurried = false;

  /** A height was committed: calls `start` after `delayMs` (or sooner, see `hurry`). */
  begin(delayMs: number, proposesNext: boolean, start: () => void): void {
    this.cancel();
    this.start = start;
    this.proposesNext = proposesNext;
    this.hurried = false;
    this.timer = setTimeout(() => this.fire(), Math.max(0, delayMs));
  }

  /** Whether `hurry` would end the wait now (the host need not look for evidence otherwise). */
  get canHurry(): boolean {
    return this.timer !== null && !this.hurried && !this.proposesNext;
  }

  /**
   * Peers are past the committed height: start the next one at the event loop's next turn
   * (never from inside the caller's message handling). No effect on the next first proposer.
   */
  hurry(): void {
    if (!this.canHurry) return;
    clearTimeout(this.timer!);
    this.hurried = true;
    this.timer = setTimeout(() => this.fire(), 0);
  }

  /** Whether a height is waiting to start. */
  get pending(): boolean {
    return this.timer !== null;
  }

  cancel(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.start = null;
  }

  private fire(): void {
    const start = this.start;
    this.cancel();
    start?.();
  }
}
