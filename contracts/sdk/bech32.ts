// Bech32 (BIP-173) for account addresses: `ankr1…`, the form wallets and the CLI show.
// Table-driven over fixed-size buffers: it runs on every address a contract parses or prints,
// and gas is paid per instruction.

// "qpzry9x8gf2tvdw0s3jn54khce6mua7l" as character codes.
const CHARSET: StaticArray<u16> = [
  113, 112, 122, 114, 121, 57, 120, 56, 103, 102, 50, 116, 118, 100, 119, 48, 115, 51, 106, 110, 53, 52, 107,
  104, 99, 101, 54, 109, 117, 97, 55, 108,
];
// Character code -> 5-bit value (either case), -1 if not in the charset.
const CHARSET_REV: StaticArray<i8> = [
  -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
  -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, 15, -1, 10, 17, 21, 20,
  26, 30, 7, 5, -1, -1, -1, -1, -1, -1, -1, 29, -1, 24, 13, 25, 9, 8, 23, -1, 18, 22, 31, 27, 19, -1, 1, 0, 3,
  16, 11, 28, 12, 14, 6, 4, 2, -1, -1, -1, -1, -1, -1, 29, -1, 24, 13, 25, 9, 8, 23, -1, 18, 22, 31, 27, 19,
  -1, 1, 0, 3, 16, 11, 28, 12, 14, 6, 4, 2, -1, -1, -1, -1, -1,
];

function polymodStep(chk: u32, value: u32): u32 {
  const top = chk >> 25;
  let c = ((chk & 0x1ffffff) << 5) ^ value;
  if ((top & 1) != 0) c ^= 0x3b6a57b2;
  if ((top & 2) != 0) c ^= 0x26508e6d;
  if ((top & 4) != 0) c ^= 0x1ea119fa;
  if ((top & 8) != 0) c ^= 0x3d4233dd;
  if ((top & 16) != 0) c ^= 0x2a1462b3;
  return c;
}

/** Checksum state after the human-readable part (high bits, separator, low bits). */
function hrpChecksum(hrp: string): u32 {
  let chk: u32 = 1;
  for (let i = 0; i < hrp.length; i++) chk = polymodStep(chk, <u32>hrp.charCodeAt(i) >> 5);
  chk = polymodStep(chk, 0);
  for (let i = 0; i < hrp.length; i++) chk = polymodStep(chk, <u32>hrp.charCodeAt(i) & 31);
  return chk;
}

export function bech32Encode(hrp: string, bytes: Uint8Array): string {
  const groups = (bytes.length * 8 + 4) / 5;
  const total = hrp.length + 1 + groups + 6;
  const out = new Uint16Array(total);
  const p = out.dataStart;
  for (let i = 0; i < hrp.length; i++) store<u16>(p + ((<usize>i) << 1), <u16>hrp.charCodeAt(i));
  let o = <usize>hrp.length;
  store<u16>(p + (o++ << 1), 49); // "1"
  let chk = hrpChecksum(hrp);
  let acc: u32 = 0;
  let bits: u32 = 0;
  for (let i = 0; i < bytes.length; i++) {
    acc = (acc << 8) | <u32>unchecked(bytes[i]);
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      const v = (acc >> bits) & 31;
      chk = polymodStep(chk, v);
      store<u16>(p + (o++ << 1), unchecked(CHARSET[v]));
    }
  }
  if (bits > 0) {
    const v = (acc << (5 - bits)) & 31;
    chk = polymodStep(chk, v);
    store<u16>(p + (o++ << 1), unchecked(CHARSET[v]));
  }
  for (let i = 0; i < 6; i++) chk = polymodStep(chk, 0);
  chk ^= 1;
  for (let i: u32 = 0; i < 6; i++)
    store<u16>(p + (o++ << 1), unchecked(CHARSET[(chk >> (5 * (5 - i))) & 31]));
  return String.UTF16.decodeUnsafe(p, (<usize>total) << 1);
}

/** Decodes `text` with the expected human-readable part; null if malformed. */
export function bech32Decode(hrp: string, text: string): Uint8Array | null {
  const n = text.length;
  if (n < hrp.length + 7 || n > 90) return null;
  const p = changetype<usize>(text);
  let hasLower = false;
  let hasUpper = false;
  for (let i = 0; i < n; i++) {
    const c = load<u16>(p + ((<usize>i) << 1));
    if (c >= 97 && c <= 122) hasLower = true;
    else if (c >= 65 && c <= 90) hasUpper = true;
  }
  if (hasLower && hasUpper) return null;
  for (let i = 0; i < hrp.length; i++) {
    let c = <i32>load<u16>(p + ((<usize>i) << 1));
    if (c >= 65 && c <= 90) c += 32;
    if (c != hrp.charCodeAt(i)) return null;
  }
  if (load<u16>(p + ((<usize>hrp.length) << 1)) != 49) return null;
  const dataLen = n - hrp.length - 1 - 6;
  const out = new Uint8Array((dataLen * 5) / 8);
  let chk = hrpChecksum(hrp);
  let acc: u32 = 0;
  let bits: u32 = 0;
  let o = 0;
  for (let i = hrp.length + 1; i < n; i++) {
    const c = load<u16>(p + ((<usize>i) << 1));
    if (c >= 128) return null;
    const v = <i32>unchecked(CHARSET_REV[c]);
    if (v < 0) return null;
    chk = polymodStep(chk, <u32>v);
    if (i >= n - 6) continue; // checksum characters carry no data
    acc = (acc << 5) | <u32>v;
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      store<u8>(out.dataStart + <usize>o, <u8>((acc >> bits) & 0xff));
      o++;
    }
  }
  if (chk != 1) return null;
  if (bits >= 5 || ((acc << (8 - bits)) & 0xff) != 0) return null; // non-zero padding
  return out;
}
