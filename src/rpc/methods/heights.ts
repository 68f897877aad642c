/** Height and paging rules of CometBFT's RPC (rpc/core/env.go), with its error texts. */
import { RpcError } from "../errors.js";

/** Resolves an optional `height` parameter against the stored range; absent means latest. */
export function resolveHeight(requested: number | undefined, latest: number, base: number): number {
  if (requested === undefined) return latest;
  if (requested <= 0) throw RpcError.internal(`height must be greater than 0, but got ${requested}`);
  if (requested > latest) {
    throw RpcError.internal(
      `height ${requested} must be less than or equal to the current blockchain height ${latest}`,
    );
  }
  if (requested < base) {
    throw RpcError.internal(`height ${requested} is not available, lowest height is ${base}`);
  }
  return requested;
}

export const DEFAULT_PER_PAGE = 30;
export const MAX_PER_PAGE = 100;

/** per_page: absent or < 1 gives the default, above the maximum is capped. */
export function resolvePerPage(requested: number | undefined): number {
  if (requested === undefined || requested < 1) return DEFAULT_PER_PAGE;
  return Math.min(requested, MAX_PER_PAGE);
}

/** page (1-based) must lie within the pages of `total` items; absent means 1. */
export function resolvePage(requested: number | undefined, perPage: number, total: number): number {
  if (requested === undefined) return 1;
  const pages = Math.max(1, Math.floor((total - 1) / perPage) + 1);
  if (requested <= 0 || requested > pages) {
    throw RpcError.internal(`page should be within [1, ${pages}] range, given ${requested}`);
  }
  return requested;
}

/** blockchain's min/max filter: at most `limit` heights, clamped to [base, latest]. */
export function filterMinMax(
  base: number,
  latest: number,
  min: number,
  max: number,
  limit: number,
): { min: number; max: number } {
  if (min < 0 || max < 0) throw RpcError.internal("heights must be non-negative");
  let lo = min === 0 ? 1 : min;
  let hi = max === 0 ? latest : max;
  hi = Math.min(latest, hi);
  lo = Math.max(base, lo);
  lo = Math.max(lo, hi - limit + 1);
  if (lo > hi) throw RpcError.internal(`min height ${lo} can't be greater than max height ${hi}`);
  return { min: lo, max: hi };
}
