// The floor: the same vendored Pyodide, booted in a module worker, running 1+1.
const worker = new Worker(new URL("./worker.js", import.meta.url), { type: "module" });
worker.addEventListener("message", ({ data }) => {
  document.getElementById("status").textContent = data.ok ? `1+1 = ${data.value}` : `failed: ${data.error}`;
  document.documentElement.dataset.state = data.ok ? "ready" : "error";
  if (data.ok) performance.mark("lrcalc-ready");
});
worker.postMessage({ indexURL: new URL("__PYODIDE__", document.baseURI).href });
