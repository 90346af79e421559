// The file format of the page's Python snapshot, shared by the script that
// writes it at build time (site_src/make_snapshot.mjs, in Node) and the worker
// that reads it (worker.js).
//
// Pyodide's memory snapshot is 31 MB, 13 MB of it pages of zeros (the C
// stack, the unused top). The file leaves those out, so the worker inflates
// and copies 40% less: "LRSNAP01", the snapshot's size and the page size
// (uint32 little-endian), a bitmap of the pages kept (bit i of byte i >> 3 is
// page i, low bit first), then the kept pages in order. build.py gzips it.

const MAGIC = "LRSNAP01";
const PAGE = 65536;

// Pyodide's snapshot (a Uint8Array) in this format.
export function pack(memory) {
  const pages = Math.ceil(memory.length / PAGE);
  const bitmap = new Uint8Array(Math.ceil(pages / 8));
  const kept = [];
  for (let i = 0; i < pages; i++) {
    const page = memory.subarray(i * PAGE, Math.min(memory.length, (i + 1) * PAGE));
    if (page.some((byte) => byte !== 0)) {
      bitmap[i >> 3] |= 1 << (i & 7);
      kept.push(page);
    }
  }
  const header = new Uint8Array(16);
  header.set(new TextEncoder().encode(MAGIC));
  const view = new DataView(header.buffer);
  view.setUint32(8, memory.length, true);
  view.setUint32(12, PAGE, true);
  const parts = [header, bitmap, ...kept];
  const packed = new Uint8Array(parts.reduce((total, part) => total + part.length, 0));
  let at = 0;
  for (const part of parts) {
    packed.set(part, at);
    at += part.length;
  }
  return packed;
}

// Pyodide's full-size snapshot back from this format; throws on anything else.
export function unpack(packed) {
  const view = new DataView(packed.buffer, packed.byteOffset, packed.byteLength);
  if (packed.length < 16 || new TextDecoder().decode(packed.subarray(0, 8)) !== MAGIC) throw new Error("not an lrcalc snapshot");
  const size = view.getUint32(8, true);
  const page = view.getUint32(12, true);
  const pages = Math.ceil(size / page);
  const bitmap = packed.subarray(16, 16 + Math.ceil(pages / 8));
  const memory = new Uint8Array(size);
  let from = 16 + bitmap.length;
  for (let i = 0; i < pages; i++) {
    if (!(bitmap[i >> 3] & (1 << (i & 7)))) continue;
    const length = Math.min(page, size - i * page);
    memory.set(packed.subarray(from, from + length), i * page);
    from += length;
  }
  if (from !== packed.length) throw new Error(`the snapshot is ${packed.length} bytes, not ${from}`);
  return memory;
}
