// Mirrors verifier/selection.py: selection from R (PROTOCOL.md §12): the stream, simple
// discard, partial Fisher–Yates.

import * as enc from "./encoding.js";

/** The bit stream of selection ``index`` (§12.1), most significant bit first. */
export class Bits {
  constructor(r, index) {
    this.r = r;
    this.index = index;
    this.blocks = 0; // blocks hashed so far
    this.used = 0; // bits consumed so far
    this.buffer = 0n;
    this.available = 0;
  }

  async take(m) {
    while (this.available < m) {
      const block = await enc.labelled(
        "sha512",
        enc.SELECTION_STREAM,
        this.r,
        enc.uint(this.index, 32),
        enc.uint(this.blocks, 64),
      );
      this.blocks += 1;
      this.buffer = (this.buffer << 512n) | enc.bytesToBigInt(block);
      this.available += 512;
    }
    this.available -= m;
    this.used += m;
    const value = this.buffer >> BigInt(this.available);
    this.buffer &= (1n << BigInt(this.available)) - 1n;
    return Number(value);
  }
}

function bitLength(n) {
  return n <= 0 ? 0 : n.toString(2).length;
}

/** An integer uniform in [0, r), SP 800-90A Rev.1 A.5.1 simple discard (§12.2). */
export async function below(r, bits) {
  const m = bitLength(r - 1);
  for (;;) {
    const c = await bits.take(m);
    if (c < r) return c;
  }
}

/** The indexes of the pick (§12.3): ``k`` of ``n`` in draw order (``k = n`` for a permutation). */
export async function pick(r, index, n, k) {
  const bits = new Bits(r, index);
  const idx = Array.from({ length: n }, (_, i) => i);
  for (let s = 0; s < k; s++) {
    const t = s + (await below(n - s, bits));
    [idx[s], idx[t]] = [idx[t], idx[s]];
  }
  return [idx.slice(0, k), bits];
}
