/** Redis Cluster's hash slot of a key (CRC16/XMODEM of its hash tag, mod 16384), computed locally. */

function crc16(data: Buffer): number {
  let crc = 0;
  for (const byte of data) {
    crc ^= byte << 8;
    for (let bit = 0; bit < 8; bit++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc;
}

export function keySlot(key: string): number {
  const open = key.indexOf('{');
  if (open >= 0) {
    const close = key.indexOf('}', open + 1);
    if (close > open + 1) key = key.slice(open + 1, close);
  }
  return crc16(Buffer.from(key)) % 16384;
}

/** A namespace name `<base>-<n>` whose keys hash to `slot`. */
export function namespaceInSlot(base: string, slot: number): string {
  for (let n = 0; n < 1_000_000; n++) {
    if (keySlot(`{${base}-${n}}`) === slot) return `${base}-${n}`;
  }
  throw new Error(`no ${base}-<n> in slot ${slot}`);
}
