// The page glue. Python (lrcalc, in a module Web Worker) decides everything:
// validation, numbers, text. This file reads the form, posts it to the worker,
// and puts what comes back into the DOM and the chart.

import { LrChart } from "./chart.js";

const $ = (id) => document.getElementById(id);
const root = document.documentElement;
const section = $("calculator");
const config = JSON.parse(section.dataset.config);
const form = $("calc-form");
const fieldNames = config.form.fields.map((field) => field.name);

// ---------------------------------------------------------------- worker

class Calculator {
  constructor(onStatus, onFailure) {
    this.onStatus = onStatus;
    this.onFailure = onFailure;
    this.start();
  }

  start() {
    this.nextId = 1;
    this.pending = new Map();
    this.ready = new Promise((resolve, reject) => {
      this.resolveReady = resolve;
      this.rejectReady = reject;
    });
    this.ready.catch(() => {}); // failures are reported through onFailure
    this.worker = new Worker(new URL("./worker.js", import.meta.url), { type: "module" });
    this.worker.addEventListener("message", (event) => this.receive(event.data));
    this.worker.addEventListener("error", (event) => {
      event.preventDefault();
      this.fail("The Python worker stopped unexpectedly.", event.message || "worker error");
    });
    this.worker.postMessage({
      type: "init",
      indexURL: new URL(config.pyodideURL, document.baseURI).href,
      packageURL: new URL(config.packageURL, document.baseURI).href,
    });
  }

  receive(message) {
    if (message.type === "status") {
      this.onStatus(message.text);
    } else if (message.type === "ready") {
      this.resolveReady();
    } else if (message.type === "failed") {
      this.fail(message.message, message.detail);
    } else if (message.type === "reply") {
      const waiting = this.pending.get(message.id);
      this.pending.delete(message.id);
      if (waiting) waiting.resolve(JSON.parse(message.payload));
    }
  }

  fail(message, detail) {
    const error = Object.assign(new Error(message), { detail });
    this.rejectReady(error);
    for (const waiting of this.pending.values()) waiting.reject(error);
    this.pending.clear();
    this.onFailure(error);
  }

  async calculate(inputs) {
    await this.ready;
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      const payload = JSON.stringify({ type: "calculate", inputs, page_url: location.href });
      this.worker.postMessage({ type: "request", id, payload });
    });
  }

  restart() {
    this.worker.terminate();
    this.start();
  }
}

// ---------------------------------------------------------------- status and errors

function setStatus(text) {
  $("status").textContent = text;
}

function showFailure(error) {
  root.dataset.state = "error";
  setStatus("The calculator is not running. The results shown are still correct for the inputs they were computed from.");
  $("error-message").textContent = error.message;
  $("error-detail").textContent = error.detail || "";
  $("error-banner").hidden = false;
}

// ---------------------------------------------------------------- the form

function readForm() {
  return Object.fromEntries(fieldNames.map((name) => [name, $(name).value]));
}

function showFieldsFor(kindName) {
  const kind = config.form.kinds[kindName];
  if (!kind) return;
  for (const block of form.querySelectorAll(".field")) {
    block.hidden = !kind.fields.includes(block.dataset.field);
  }
}

function setMessages(kind, messages) {
  for (const name of fieldNames) {
    const element = $(`${name}-${kind}`);
    const message = messages[name] || "";
    element.textContent = message;
    element.hidden = !message;
  }
}

function describeFields(errors) {
  for (const name of fieldNames) {
    const input = $(name);
    const ids = [`${name}-hint`, `${name}-error`, `${name}-note`].filter((id) => !$(id).hidden);
    input.setAttribute("aria-describedby", ids.join(" "));
    if (errors[name]) {
      input.setAttribute("aria-invalid", "true");
    } else {
      input.removeAttribute("aria-invalid");
    }
  }
}

// ---------------------------------------------------------------- results

let lastResult = config.initial;
const chart = new LrChart($("chart"), $("chart-readout"));

function render(result) {
  if (result.fatal) {
    showFailure(Object.assign(new Error("The calculator hit an unexpected error. Please report it with the details below."), { detail: result.fatal }));
    return;
  }
  const errors = result.ok ? {} : result.errors;
  setMessages("error", errors);
  setMessages("note", result.ok ? result.notes : {});
  describeFields(errors);
  section.classList.toggle("has-errors", !result.ok);
  $("form-problem").hidden = result.ok;
  if (!result.ok) {
    for (const id of Object.keys(config.form.results)) $(`out-${id}`).textContent = "—";
    $("formula").textContent = "—";
    lastResult = null;
    return;
  }
  lastResult = result;
  for (const item of result.results) $(`out-${item.id}`).textContent = item.text;
  $("formula").textContent = result.formula;
  $("chart-summary").textContent = result.summary;
  const logBox = $("log-scale");
  logBox.disabled = !result.chart.log_ok;
  if (!result.chart.log_ok) logBox.checked = false;
  $("log-note").textContent = result.chart.log_note;
  chart.update(result.chart);
  renderTable(result.chart);
}

function renderTable(data) {
  $("table-x").textContent = data.x_label;
  $("table-note").textContent = data.table_note;
  $("table-note").hidden = !data.table_note;
  const rows = data.x.map((x, i) => {
    const row = document.createElement("tr");
    const epoch = document.createElement("td");
    const value = document.createElement("td");
    epoch.textContent = String(x);
    value.textContent = data.text[i];
    row.append(epoch, value);
    return row;
  });
  $("table-body").replaceChildren(...rows);
}

// Calculations are coalesced: while one is in flight, further edits only mark
// the form dirty, and the newest form is sent when the reply arrives.
let inFlight = false;
let dirty = false;
let settled = Promise.resolve();

function recalculate() {
  dirty = true;
  if (!inFlight) settled = run();
  return settled;
}

async function run() {
  inFlight = true;
  root.dataset.busy = "true";
  try {
    while (dirty) {
      dirty = false;
      const result = await calculator.calculate(readForm());
      if (!dirty) render(result);
    }
  } catch {
    // Reported by the worker client through showFailure.
  } finally {
    inFlight = false;
    delete root.dataset.busy;
  }
}

// ---------------------------------------------------------------- buttons

async function copyResults() {
  const status = $("copy-status");
  const fallback = $("copy-fallback");
  if (dirty || inFlight) await settled;
  if (!lastResult) {
    status.textContent = "There are no results to copy: fix the marked field first.";
    return;
  }
  try {
    await navigator.clipboard.writeText(lastResult.copy_text);
    fallback.hidden = true;
    status.textContent = "Copied the inputs, results and formula to the clipboard.";
  } catch {
    fallback.value = lastResult.copy_text;
    fallback.hidden = false;
    fallback.focus();
    fallback.select();
    status.textContent = "The browser did not allow copying, so the text is selected below: press Ctrl+C (⌘C on a Mac) to copy it.";
  }
}

function fillForm(values) {
  for (const [name, value] of Object.entries(values)) {
    if (fieldNames.includes(name)) $(name).value = value;
  }
  showFieldsFor($("schedule").value);
}

function resetForm() {
  fillForm(config.form.defaults);
  $("log-scale").checked = false;
  chart.setLog(false);
  $("copy-status").textContent = "";
  $("copy-fallback").hidden = true;
  setMessages("error", {});
  setMessages("note", {});
  describeFields({});
  return recalculate();
}

form.addEventListener("input", (event) => {
  if (event.target.id === "schedule") showFieldsFor(event.target.value);
  recalculate();
});
form.addEventListener("submit", (event) => {
  event.preventDefault();
  recalculate();
});
$("copy").addEventListener("click", copyResults);
$("reset").addEventListener("click", resetForm);
$("log-scale").addEventListener("change", (event) => chart.setLog(event.target.checked));
$("retry").addEventListener("click", () => {
  $("error-banner").hidden = true;
  root.dataset.state = "loading";
  setStatus("Loading Python runtime…");
  calculator.restart();
  boot();
});
document.addEventListener("click", (event) => {
  const button = event.target.closest(".load-example");
  if (!button) return;
  fillForm(JSON.parse(button.dataset.inputs));
  recalculate();
  $("calculator-heading").scrollIntoView({ behavior: "smooth" });
  $("calculator-heading").focus({ preventScroll: true });
});

// ---------------------------------------------------------------- start

const calculator = new Calculator(setStatus, showFailure);
chart.update(config.initial.chart);

async function boot() {
  try {
    await calculator.ready;
  } catch {
    return;
  }
  await recalculate();
  root.dataset.state = "ready";
  performance.mark("lrcalc-ready");
  setStatus("Ready: results update as you type.");
}

boot();
