// The Python side of the page: a module Web Worker that boots Pyodide, loads
// lrcalc from its archive, and answers requests. Every request and reply is a
// JSON string, so nothing but text crosses the worker boundary.
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

async function boot({ indexURL, packageURL }) {
  status("Loading Python runtime…");
  const { loadPyodide } = await import(indexURL + "pyodide.mjs");
  const pyodide = await Promise.race([loadPyodide({ indexURL }), wasmFailure()]);
  status("Loading the calculator…");
  const response = await fetch(packageURL);
  if (!response.ok) {
    throw new Error(`Could not download ${packageURL} (HTTP ${response.status})`);
  }
  pyodide.unpackArchive(await response.arrayBuffer(), "zip", { extractDir: "/lrcalc" });
  pyodide.runPython("import sys; sys.path.insert(0, '/lrcalc')");
  web = pyodide.pyimport("lrcalc.web");
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
