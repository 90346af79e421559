// The Python side of the page: a module Web Worker that boots Pyodide (from a
// memory snapshot with lrcalc already imported, or from scratch) and answers
// requests. Every request and reply is a JSON string, so nothing but text
// crosses the worker boundary.
//
// Messages in:  {type: "init", indexURL, packageURL}
//               {type: "request", id, payload}
//               {type: "range-test", id, payload} and {type: "stop"}
// Messages out: {type: "status", text} while booting, then {type: "ready"}
//               or {type: "failed", message, detail};
//               {type: "reply", id, payload} for each request (and at the
//               end of a range test), {type: "progress", id, payload} during one.

let handle = null;
let web = null;
let stopRequested = false;

function status(text) {
  self.postMessage({ type: "status", text });
}

// Pyodide swallows a failed WebAssembly instantiation (it only logs
// "wasm instantiation failed!" and the error with console.warn), which would
// leave loadPyodide() pending forever. This turns that log into a rejection.
function wasmFailure() {
  return new Promise((_, reject) => {
    const warn = console.warn;
    let failing = false;
    console.warn = (...args) => {
      warn.apply(console, args);
      if (failing) reject(args[0] instanceof Error ? args[0] : new Error(String(args[0])));
      failing = args[0] === "wasm instantiation failed!";
    };
  });
}

// Python starts from a memory snapshot when it can. At build time build.py
// boots Pyodide in Node, imports every lrcalc module from its archive, answers the
// page's first request once (so its caches are warm) and saves Python's whole
// memory beside this file (site_src/make_snapshot.mjs). Restoring it
// skips starting the interpreter and importing lrcalc: most of a normal boot.
// The snapshot options are private to the pinned Pyodide version, so any
// trouble with the snapshot (missing, corrupt, from another build) falls back
// to a normal boot. The path taken is left as a performance mark in this
// worker: "lrcalc-boot-snapshot" or "lrcalc-boot-fallback".
const SNAPSHOT_URL = new URL("python.snapshot.gz", import.meta.url).href;

async function download(url) {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`Could not download ${url} (HTTP ${response.status})`);
  return response;
}

// The snapshot's bytes, gunzipped as they arrive. A host that serves the file
// with Content-Encoding: gzip (so the browser has decompressed it already) is
// recognised by the missing gzip magic number.
async function fetchSnapshot() {
  const format = import("./snapshot.mjs"); // the file format, fetched while the snapshot downloads
  format.catch(() => {}); // awaited below
  const reader = (await download(SNAPSHOT_URL)).body.getReader();
  const first = await reader.read();
  const head = first.done ? new Uint8Array() : first.value;
  const body = new ReadableStream({
    start(controller) {
      if (head.length) controller.enqueue(head);
    },
    async pull(controller) {
      const { done, value } = await reader.read();
      if (done) controller.close();
      else controller.enqueue(value);
    },
    cancel(reason) {
      return reader.cancel(reason);
    },
  });
  const gzipped = head[0] === 0x1f && head[1] === 0x8b;
  const bytes = new Uint8Array(await new Response(gzipped ? body.pipeThrough(new DecompressionStream("gzip")) : body).arrayBuffer());
  return (await format).unpack(bytes);
}

// After a restore, later imports read the files on sys.path that the snapshot
// does not hold: the standard library. A download cut
// short fails here, visibly, rather than at the first import that needs it
// (a normal boot reads the standard library at once). Each must end with a
// zip end-of-central-directory record whose directory fits in the file.
function checkZipFiles(pyodide) {
  const found = pyodide.runPython("import sys\n[p for p in sys.path if p.endswith('.zip')]");
  const paths = found.toJs();
  found.destroy();
  for (const path of paths) {
    const size = pyodide.FS.stat(path).size;
    const tail = new Uint8Array(Math.min(size, 22 + 65535));
    const stream = pyodide.FS.open(path, "r");
    pyodide.FS.read(stream, tail, 0, tail.length, size - tail.length);
    pyodide.FS.close(stream);
    const view = new DataView(tail.buffer);
    let end = tail.length - 22;
    while (end >= 0 && view.getUint32(end, true) !== 0x06054b50) end--;
    const start = size - tail.length + end; // where the end record starts in the file
    if (end < 0 || view.getUint32(end + 16, true) + view.getUint32(end + 12, true) > start) {
      throw new Error(`${path} is not a whole zip file (${size} bytes)`);
    }
  }
}

function startPython(loadPyodide, options) {
  return Promise.race([loadPyodide(options), wasmFailure()]);
}

async function boot({ indexURL, packageURL }) {
  status("Loading Python runtime…");
  // The snapshot and the runtime are requested at once.
  let snapshotError = null;
  const snapshot = fetchSnapshot().catch((error) => {
    // Bytes that are not a snapshot, rather than a rejection: Pyodide then fails only after it has
    // read every file it requested. Failing earlier would leave its download of the wasm file
    // unread, and in Chrome the same download of the normal boot that follows waits for it.
    snapshotError = error;
    return new Uint8Array(16);
  });
  const runtime = import(indexURL + "pyodide.asm.mjs"); // loadPyodide imports it too: this starts it sooner
  runtime.catch(() => {}); // loadPyodide reports the failure
  const { loadPyodide } = await import(indexURL + "pyodide.mjs");
  let pyodide;
  try {
    pyodide = await startPython(loadPyodide, { indexURL, _loadSnapshot: snapshot });
    status("Loading the calculator…");
    // Every lrcalc module is in the snapshot already, so lrcalc's archive is not downloaded.
    checkZipFiles(pyodide);
    web = pyodide.pyimport("lrcalc.web");
    pyodide.runPython("import random; random.seed()"); // the snapshot's seed is the same for everyone
    performance.mark("lrcalc-boot-snapshot");
  } catch (error) {
    console.warn("Python could not start from the snapshot, so it starts from scratch.", snapshotError || error);
    const archive = download(packageURL).then((response) => response.arrayBuffer());
    archive.catch(() => {}); // awaited below, after the runtime has started
    pyodide = await startPython(loadPyodide, { indexURL });
    status("Loading the calculator…");
    pyodide.unpackArchive(await archive, "zip", { extractDir: "/lrcalc" });
    pyodide.runPython("import sys; sys.path.insert(0, '/lrcalc')");
    web = pyodide.pyimport("lrcalc.web");
    performance.mark("lrcalc-boot-fallback");
  }
  handle = (payload) => web.handle(payload);
}

self.addEventListener("message", async (event) => {
  const message = event.data;
  if (message.type === "init") {
    try {
      await boot(message);
      self.postMessage({ type: "ready" });
    } catch (error) {
      self.postMessage({
        type: "failed",
        message: "Python could not start, so the calculator cannot update.",
        detail: String(error && error.stack ? error.stack : error),
      });
    }
  } else if (message.type === "stop") {
    stopRequested = true;
  } else if (message.type === "range-test") {
    await rangeTest(message);
  } else if (message.type === "request") {
    let payload;
    try {
      payload = handle(message.payload);
    } catch (error) {
      payload = JSON.stringify({ ok: false, fatal: String(error && error.stack ? error.stack : error) });
    }
    self.postMessage({ type: "reply", id: message.id, payload });
  }
});

// A live range test: a few iterations at a time, yielding to the event loop
// between chunks so that "stop" (and ordinary requests) get through.
async function rangeTest({ id, payload }) {
  stopRequested = false;
  let session = null;
  try {
    session = web.start_range_test(payload);
    for (;;) {
      const chunk = session.advance(4);
      self.postMessage({ type: "progress", id, payload: chunk });
      if (JSON.parse(chunk).done || stopRequested) break;
      await new Promise((resolve) => setTimeout(resolve, 0));
    }
    self.postMessage({ type: "reply", id, payload: session.finish(stopRequested) });
  } catch (error) {
    self.postMessage({ type: "reply", id, payload: JSON.stringify({ ok: false, fatal: String(error && error.stack ? error.stack : error) }) });
  } finally {
    if (session) session.destroy();
  }
}
