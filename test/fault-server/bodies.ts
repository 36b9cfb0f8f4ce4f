/** Deterministic test bodies. */

/** `size` pseudo-random (incompressible) bytes; the same `seed` always gives the same bytes. */
export function makeBody(size: number, seed = 1): Buffer {
  const out = Buffer.allocUnsafe(size)
  let x = seed >>> 0 || 0x9e3779b9
  let i = 0
  for (; i + 4 <= size; i += 4) {
    // xorshift32
    x ^= x << 13
    x ^= x >>> 17
    x ^= x << 5
    out.writeUInt32LE(x >>> 0, i)
  }
  for (; i < size; i++) {
    x ^= x << 13
    x ^= x >>> 17
    x ^= x << 5
    out[i] = x & 0xff
  }
  return out
}
