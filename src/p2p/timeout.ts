/** Time limits for network work: every request and every teardown step is bounded. */
import { P2pError } from "./errors.js";

/** Resolves like `work`, or rejects with P2P_TIMEOUT after `ms` (aborting `controller` if given). */
export async function withTimeout<T>(
  work: Promise<T>,
  ms: number,
  what: string,
  controller?: AbortController,
): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const err = new P2pError("P2P_TIMEOUT", `${what} took longer than ${ms} ms`, { ms });
      controller?.abort(err);
      reject(err);
    }, ms);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Waits for a teardown step at most `ms`; never throws. Returns "done", "failed" (the step
 * threw) or "timeout", so the caller can log and move on to the next step.
 */
export async function settleWithin(
  step: Promise<unknown>,
  ms: number,
): Promise<"done" | "failed" | "timeout"> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<"timeout">((resolve) => {
    timer = setTimeout(() => resolve("timeout"), ms);
  });
  try {
    return await Promise.race([
      step.then(
        () => "done" as const,
        () => "failed" as const,
      ),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
}
