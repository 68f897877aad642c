/**
 * The pause between committing a block and starting the next height (CometBFT's
 * timeout_commit): late precommits still reach the next block's lastCommit, and txs gather.
 *
 * A node that decided late gains nothing from it. Once a message for a later height has
 * arrived, peers started that height without us: waiting on would only keep this node a step
 * behind, its votes landing after each height is over, so it never signs a commit. The wait
 * then ends at once — except on the node that proposes the next height's first round, whose
 * lastCommit is what the wait is for (and where an unverified message must not cut it short).
 */
export class CommitWait {
  private timer: NodeJS.Timeout | null = null;
  private start: (() => void) | null = null;
  /** The height committed last; the wait is for the one after it. */
  private committed = 0;
  private proposesNext = false;
  /** The highest height any received consensus message named (unverified). */
  private highestSeen = 0;

  /** A consensus message for `height` arrived (before any check: only its height is used). */
  observe(height: number): void {
    if (height > this.highestSeen) this.highestSeen = height;
    if (this.timer !== null && !this.proposesNext && height > this.committed) this.fire();
  }

  /**
   * `height` was committed: calls `start` after `delayMs`, or sooner (asynchronously) if peers
   * are past it and this node does not propose the next height's first round.
   */
  begin(height: number, delayMs: number, proposesNext: boolean, start: () => void): void {
    this.cancel();
    this.committed = height;
    this.proposesNext = proposesNext;
    this.start = start;
    const behind = !proposesNext && this.highestSeen > height;
    this.timer = setTimeout(() => this.fire(), behind ? 0 : Math.max(0, delayMs));
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
