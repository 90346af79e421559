// Starts the Python worker while the browser is still parsing the page (an
// async script at the top of <head>): the worker's downloads and Python's
// start then overlap the article's parsing instead of following it. app.js
// adopts the worker with the messages and errors it sent meanwhile. If app.js
// runs first, it starts its own worker and this script does nothing.
(() => {
  if (globalThis.lrcalcEarlyWorker !== undefined) return;
  const script = document.currentScript;
  const url = (path) => new URL(path, document.baseURI).href;
  const worker = new Worker(new URL("worker.js", script.src), { type: "module" });
  const events = [];
  const keep = (event) => {
    if (event.type === "error") event.preventDefault(); // app.js reports it
    events.push(event);
  };
  worker.addEventListener("message", keep);
  worker.addEventListener("error", keep);
  worker.postMessage({ type: "init", indexURL: url(script.dataset.pyodide), packageURL: url(script.dataset.package) });
  globalThis.lrcalcEarlyWorker = {
    worker,
    // The events so far; nothing is kept after this.
    adopt() {
      worker.removeEventListener("message", keep);
      worker.removeEventListener("error", keep);
      return events;
    },
  };
})();
