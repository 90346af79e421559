// The floor: the same vendored Pyodide, booted in a module worker, running 1+1. An edit of the epoch
// or the schedule is answered by Python once it is there (the first-edit measure).
const $ = (id) => document.getElementById(id);
const worker = new Worker(new URL("./worker.js", import.meta.url), { type: "module" });
let ready = false;
const ask = () => {
  const t = Number($("current_epoch").value);
  const step = $("schedule").value === "step";
  worker.postMessage({ code: `f"{0.01 * ${step ? `0.5 ** (${t} // 25)` : `0.95 ** ${t}`}:.4g}"` });
};
worker.addEventListener("message", ({ data }) => {
  if ("answer" in data) {
    $("out-current_lr").textContent = data.answer;
    return;
  }
  $("status").textContent = data.ok ? `1+1 = ${data.value}` : `failed: ${data.error}`;
  document.documentElement.dataset.state = data.ok ? "ready" : "error";
  if (!data.ok) return;
  ready = true;
  performance.mark("lrcalc-ready");
  ask(); // an edit made while Python loaded
});
for (const id of ["current_epoch", "schedule"]) $(id).addEventListener("input", () => ready && ask());
worker.postMessage({ indexURL: new URL("__PYODIDE__", document.baseURI).href });
