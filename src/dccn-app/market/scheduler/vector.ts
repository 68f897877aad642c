/** 5-element resource vectors (RESOURCE_KINDS order), the scheduler's hot-path form. */
export const DIMS = 5;

export const zeroVector = (): bigint[] => [0n, 0n, 0n, 0n, 0n];

/** acc += v, in place. */
export function addInto(acc: bigint[], v: readonly bigint[]): void {
  for (let k = 0; k < DIMS; k++) acc[k]! += v[k]!;
}
