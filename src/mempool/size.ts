/**
 * Bytes a tx of `size` bytes adds to a block's encoding (`repeated bytes txs = 2`: one tag
 * byte, the length varint, the tx), so reaping against a block byte budget is exact.
 */
export function encodedTxSize(size: number): number {
  let varint = 1;
  for (let n = size; n >= 0x80; n = Math.floor(n / 0x80)) varint++;
  return 1 + varint + size;
}
