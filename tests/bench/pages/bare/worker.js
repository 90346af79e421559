// Boots the vendored Pyodide, runs 1+1, then answers each edit with Python (the calculator's arithmetic):
// a bare page cannot answer before its runtime has arrived.
let pyodide = null;
self.addEventListener("message", async ({ data }) => {
  try {
    if (data.indexURL) {
      const { loadPyodide } = await import(data.indexURL + "pyodide.mjs");
      pyodide = await loadPyodide({ indexURL: data.indexURL });
      self.postMessage({ ok: true, value: pyodide.runPython("1+1") });
    } else {
      self.postMessage({ answer: pyodide.runPython(data.code) });
    }
  } catch (error) {
    self.postMessage({ ok: false, error: String(error) });
  }
});
