/** Events of the staking module: type + indexed string attributes (addresses bech32, amounts base units). */
import type { AbciEvent } from "../../abci/types.js";

export const stakingEvent = (type: string, attrs: Readonly<Record<string, string>>): AbciEvent => ({
  type,
  attributes: Object.entries(attrs).map(([key, value]) => ({ key, value, index: true })),
});
