// Make a Pyodide memory snapshot with lrcalc imported, for the page's worker to
// boot from (build.py runs this; the worker falls back to a normal boot if the
// snapshot cannot be used).
//
//   node site_src/make_snapshot.mjs PYODIDE_DIR LRCALC_ZIP OUT [PYTHON]
//
// PYTHON, for tests/bench/startup.py --levers only, replaces the import and
// the warm-up below with other code (the archive is at /lrcalc.zip).
//
// The snapshot is Python's whole memory after importing every lrcalc module
// (from the archive, as a zip file on sys.path) and one answer to the page's
// first request. `_makeSnapshot` and `makeMemorySnapshot` are private to the pinned
// Pyodide version: the worker falls back to a normal boot if they change.
//
// The same inputs give the same bytes: everything that would differ between
// two runs comes from the clock, the entropy source or this script's path, so
// all three are fixed while the snapshot is made. The clock ticks 1 ms per
// reading from a fixed date; entropy is a fixed pseudo-random stream (so the
// hash seed and libc's generator are the same in every build; the worker
// reseeds Python's `random` after it restores); argv[1] is a fixed name.

import crypto from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";

import { pack } from "./static/snapshot.mjs";

const [pyodideDir, archive, out, python] = process.argv.slice(2);
if (!out) {
  console.error("usage: node site_src/make_snapshot.mjs PYODIDE_DIR LRCALC_ZIP OUT");
  process.exit(2);
}

function deterministic() {
  const EPOCH = Date.UTC(2000, 0, 1);
  let ticks = 0;
  Date.now = () => EPOCH + ++ticks;
  performance.now = () => ++ticks;
  let state = 0x9e3779b9;
  crypto.randomFillSync = (view) => {
    const bytes = new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
    for (let i = 0; i < bytes.length; i++) {
      state ^= state << 13;
      state ^= state >>> 17;
      state ^= state << 5;
      bytes[i] = state & 0xff;
    }
    return view;
  };
  process.argv[1] = "./this.program"; // what a browser has: sys.executable and $_ come out the same
}

deterministic();
try {
  const { loadPyodide } = await import(pathToFileURL(path.join(pyodideDir, "pyodide.mjs")).href);
  const pyodide = await loadPyodide({ _makeSnapshot: true, env: { LANG: "C.UTF-8" } });
  // lrcalc is imported from its archive as a zip file on sys.path.
  pyodide.FS.writeFile("/lrcalc.zip", new Uint8Array(readFileSync(archive)));
  pyodide.runPython(python ?? `
import importlib, json, pkgutil, sys
sys.path.insert(0, "/lrcalc.zip")
import lrcalc
# Every module, so the worker never needs the archive: the page imports some of them only on demand.
for module in pkgutil.walk_packages(lrcalc.__path__, "lrcalc."):
    if module.name != "lrcalc.__main__":  # the command line's entry point runs it
        importlib.import_module(module.name)
import ast, re  # imported inside lrcalc's functions
import lrcalc.web
from lrcalc.page import State
# The page's first request, once: the first answer after a restore is then as fast as any other.
lrcalc.web.handle(json.dumps({"type": "view", "state": State().to_page(), "page_url": ""}))
# The archive is not in the worker's file system after a restore: no import may look for it there.
sys.path.remove("/lrcalc.zip")
# Garbage collected first: the snapshot is 30 KB smaller gzipped (7.36 MB, from 7.39).
import gc
gc.collect()
`);
  writeFileSync(out, pack(pyodide.makeMemorySnapshot())); // in the format of static/snapshot.mjs
} catch (error) {
  console.error(String(error && error.message ? error.message : error).trim().split("\n").at(-1));
  process.exit(1);
}
