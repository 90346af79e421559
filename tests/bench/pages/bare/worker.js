self.addEventListener("message", async ({ data }) => {
  try {
    const { loadPyodide } = await import(data.indexURL + "pyodide.mjs");
    const pyodide = await loadPyodide({ indexURL: data.indexURL });
    self.postMessage({ ok: true, value: pyodide.runPython("1+1") });
  } catch (error) {
    self.postMessage({ ok: false, error: String(error) });
  }
});
