/**
 * Runs async jobs one at a time in submission order. The mempool runs every CheckTx, update
 * and flush through one queue so the app's check state only ever sees one caller at a time.
 */
export class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(job: () => Promise<T> | T): Promise<T> {
    const result = this.tail.then(job);
    // The next job waits for this one to settle, whatever its outcome.
    this.tail = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  }
}
