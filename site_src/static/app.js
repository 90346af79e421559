// The page glue. Python (lrcalc, in a module Web Worker) decides everything:
// validation, numbers, text. This file reads the form, posts it to the worker,
// and puts what comes back into the DOM and the chart.

import { LrChart } from "./chart.js";
import { setupFinder } from "./finder.js";
import "./offline.js";
import { answer as firstAnswer } from "./quick.js";

const $ = (id) => document.getElementById(id);

// How long Python may take before the page says so: a calculation must answer
// within 5 s; the runtime must start within 2 minutes (about 13 MB on a slow
// connection). Tests shorten them through globalThis.lrcalcTimeouts.
const TIMEOUTS = { reply: 5_000, boot: 120_000, slowBoot: 15_000, ...(globalThis.lrcalcTimeouts || {}) };
const root = document.documentElement;
const section = $("calculator");
const config = JSON.parse(section.dataset.config);
// The scheduler catalog (every family and library scheduler with its arguments) is a separate file,
// fetched the first time the reader leaves the three classic schedules (a first visit that stays on
// them never downloads it).
let catalog = null;
let catalogLoading = null;
function catalogReady() {
  if (catalogLoading === null) {
    catalogLoading = fetch(new URL(config.catalogURL, document.baseURI))
      .then((response) => (response.ok ? response.json() : Promise.reject(new Error(`HTTP ${response.status}`))))
      .then((data) => (catalog = data))
      .catch((error) => {
        catalogLoading = null; // the next change tries again
        $("api-error").textContent = `The list of schedulers could not load (${error.message}); the three classic schedules still work.`;
        $("api-error").hidden = false;
      });
  }
  return catalogLoading;
}

// <html data-busy> while anything the page shows is still on its way (a calculation, the catalog).
let busyCount = 0;
function busy(change) {
  busyCount += change;
  if (busyCount > 0) document.documentElement.dataset.busy = "true";
  else delete document.documentElement.dataset.busy;
}
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
    this.failed = false;
    this.isReady = false;
    this.nextId = 1;
    this.pending = new Map();
    this.ready = new Promise((resolve, reject) => {
      this.resolveReady = resolve;
      this.rejectReady = reject;
    });
    this.ready.catch(() => {}); // failures are reported through onFailure
    // start.js may have started the worker already (the first time only); otherwise it starts here.
    const early = globalThis.lrcalcEarlyWorker;
    globalThis.lrcalcEarlyWorker = null;
    this.worker = early ? early.worker : new Worker(new URL("./worker.js", import.meta.url), { type: "module" });
    const onMessage = (event) => this.receive(event.data);
    const onError = (event) => {
      event.preventDefault();
      this.fail("The Python worker stopped unexpectedly.", event.message || "worker error");
    };
    this.worker.addEventListener("message", onMessage);
    this.worker.addEventListener("error", onError);
    if (early) {
      for (const event of early.adopt()) (event.type === "error" ? onError : onMessage)(event);
    } else {
      this.worker.postMessage({
        type: "init",
        indexURL: new URL(config.pyodideURL, document.baseURI).href,
        packageURL: new URL(config.packageURL, document.baseURI).href,
      });
    }
    const started = performance.now();
    const slow = setTimeout(() => this.onStatus("Still loading Python: a slow connection can take a minute the first time."), TIMEOUTS.slowBoot);
    const give = setTimeout(
      () => this.fail(`Python did not start within ${Math.round(TIMEOUTS.boot / 1000)} seconds, so the calculator cannot update.`, "The runtime files are large (about 13 MB) and may still be downloading."),
      TIMEOUTS.boot,
    );
    const settled = () => {
      clearTimeout(slow);
      clearTimeout(give);
      this.bootMs = performance.now() - started;
    };
    this.ready.then(settled, settled);
  }

  receive(message) {
    if (message.type === "status") {
      this.onStatus(message.text);
    } else if (message.type === "ready") {
      this.isReady = true;
      this.resolveReady();
    } else if (message.type === "failed") {
      this.fail(message.message, message.detail);
    } else if (message.type === "reply") {
      const waiting = this.pending.get(message.id);
      this.pending.delete(message.id);
      if (waiting) waiting.resolve(JSON.parse(message.payload));
    } else if (message.type === "progress") {
      const waiting = this.pending.get(message.id);
      if (waiting && waiting.onProgress) waiting.onProgress(JSON.parse(message.payload));
    }
  }

  fail(message, detail) {
    if (this.failed) return;
    this.failed = true;
    const error = Object.assign(new Error(message), { detail });
    this.rejectReady(error);
    for (const waiting of this.pending.values()) waiting.reject(error);
    this.pending.clear();
    this.onFailure(error);
  }

  // Send one request (a plain object, sent as JSON) and resolve with the reply;
  // a reply that does not come within TIMEOUTS.reply puts the page in its error state.
  async ask(message) {
    await this.ready;
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => this.fail(`The calculator did not answer within ${TIMEOUTS.reply / 1000} seconds.`, `Request type: ${message.type}. The Python worker may have stopped.`),
        TIMEOUTS.reply,
      );
      const settle = (done) => (value) => {
        clearTimeout(timer);
        done(value);
      };
      this.pending.set(id, { resolve: settle(resolve), reject: settle(reject) });
      this.worker.postMessage({ type: "request", id, payload: JSON.stringify(message) });
    });
  }

  // Run a live range test; `onProgress` gets each chunk of points, the promise the analysis.
  // Silence (no chunk) for TIMEOUTS.reply is reported like an unanswered request.
  async stream(payload, onProgress) {
    await this.ready;
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      let timer = null;
      const watch = () => {
        clearTimeout(timer);
        timer = setTimeout(() => this.fail(`The range test stopped answering for ${TIMEOUTS.reply / 1000} seconds.`, "The Python worker may have stopped."), TIMEOUTS.reply);
      };
      const settle = (done) => (value) => {
        clearTimeout(timer);
        done(value);
      };
      watch();
      this.pending.set(id, {
        resolve: settle(resolve),
        reject: settle(reject),
        onProgress: (chunk) => {
          watch();
          onProgress(chunk);
        },
      });
      this.worker.postMessage({ type: "range-test", id, payload: JSON.stringify(payload) });
    });
  }

  stop() {
    this.worker.postMessage({ type: "stop" });
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

// Put a message (or nothing) into a hint-like paragraph and mark its input.
function showMessage(paragraph, input, message, invalid) {
  paragraph.textContent = message || "";
  paragraph.hidden = !message;
  if (!input) return;
  const ids = (input.getAttribute("aria-describedby") || "").split(" ").filter((id) => id && id !== paragraph.id);
  if (message) ids.push(paragraph.id);
  input.setAttribute("aria-describedby", ids.join(" "));
  if (invalid && message) input.setAttribute("aria-invalid", "true");
  else if (invalid !== undefined) input.removeAttribute("aria-invalid");
}

// ---------------------------------------------------------------- modes

function currentMode() {
  return form.querySelector('input[name="mode"]:checked').value;
}

// The classic epoch calculator's schedules are listed in the form's data (lrcalc's KINDS).
function isClassic() {
  return currentMode() === "schedule" && Object.hasOwn(config.form.kinds, $("schedule").value);
}

function currentApi() {
  const mode = currentMode();
  if (mode === "schedule") return $("schedule").value;
  if (mode === "library") return $("api").value;
  return null;
}

function fillSchedulers() {
  const library = catalog.libraries.find((item) => item.id === $("library").value);
  const select = $("api");
  const keep = select.value;
  select.replaceChildren(
    ...library.apis.map((api) => {
      const option = document.createElement("option");
      option.value = api;
      option.textContent = catalog.apis[api].name;
      return option;
    }),
  );
  if (library.apis.includes(keep)) select.value = keep;
}

let argsApi; // the scheduler whose argument fields are shown: null for none, undefined to rebuild them

// Build the argument inputs of a scheduler from the catalog (Python's data).
function renderArgs(api) {
  if (api === argsApi) return;
  argsApi = api;
  const container = $("args");
  if (!api) {
    container.replaceChildren();
    return;
  }
  const spec = catalog.apis[api];
  container.replaceChildren(...spec.params.map((param) => argField(param)));
  $("api-summary").textContent = spec.summary;
}

function argField(param, id = `arg-${param.name}`, data = "arg") {
  const block = document.createElement("div");
  block.className = "field";
  const label = document.createElement("label");
  label.htmlFor = id;
  label.className = "arg-name";
  label.textContent = param.name;
  let input;
  if (param.widget === "select") {
    input = document.createElement("select");
    for (const [value, text] of param.options) {
      const option = document.createElement("option");
      option.value = value;
      option.textContent = text;
      input.append(option);
    }
  } else {
    input = document.createElement(param.widget === "textarea" ? "textarea" : "input");
    if (param.widget === "textarea") input.rows = 3;
    else input.type = "text";
    input.autocomplete = "off";
    input.spellcheck = false;
    input.placeholder = param.placeholder;
  }
  input.id = id;
  input.dataset[data] = param.name;
  input.value = param.example; // Python's example for a required argument (and said so in the hint)
  const hint = document.createElement("p");
  hint.className = "hint";
  hint.id = `${id}-hint`;
  hint.textContent = param.hint;
  input.setAttribute("aria-describedby", hint.id);
  const error = document.createElement("p");
  error.className = "error";
  error.id = `${id}-error`;
  error.hidden = true;
  block.append(label, input, hint, error);
  return block;
}

// ---------------------------------------------------------------- a pasted call's names

let namesShown = ""; // the names whose fields are shown, as one key: rebuilt only when they change
let namesKept = {}; // values typed (or opened from a link) for names, kept while their fields come and go

function nameValues() {
  for (const input of $("name-fields").querySelectorAll("[data-name]")) namesKept[input.dataset.name] = input.value;
  return { ...namesKept };
}

// The fields for the names a pasted call uses (Python lists them, with hints); names the training
// length gives are lines, not fields. Typed values are kept across rebuilds, by name.
function renderNames(rows, values = nameValues()) {
  const key = JSON.stringify(rows.map((row) => [row.text, row.from_training]));
  if (key !== namesShown) {
    namesShown = key;
    const fields = rows.filter((row) => !row.from_training);
    $("name-fields").replaceChildren(
      ...fields.map((row, index) =>
        argField(
          { name: row.text, hint: row.hint, placeholder: row.default ? `${row.default} (its default)` : "", example: values[row.text] || "" },
          `name-${index}`,
          "name",
        ),
      ),
    );
  }
  $("name-training").replaceChildren(
    ...rows
      .filter((row) => row.from_training)
      .map((row) => {
        const item = document.createElement("li");
        item.textContent = row.line;
        return item;
      }),
  );
  $("names").hidden = !rows.length;
  $("names-intro").hidden = !rows.some((row) => !row.from_training);
}

async function updateLayout() {
  const mode = currentMode();
  const classic = isClassic();
  if (!classic && !catalog) {
    busy(1); // not settled until the forms are built from the catalog (after this function's synchronous rest)
    try {
      await catalogReady();
    } finally {
      setTimeout(() => busy(-1));
    }
  }
  $("schedule-picker").hidden = mode !== "schedule";
  $("classic-fields").hidden = !classic;
  $("explore-fields").hidden = classic;
  $("library-picker").hidden = mode !== "library";
  $("paste-box").hidden = mode !== "paste";
  $("config-box").hidden = mode !== "config";
  $("training-box").hidden = mode === "config";
  if (mode !== "paste") renderNames([]);
  $("results").hidden = !classic;
  $("explore-results").hidden = classic;
  if (classic) {
    showFieldsFor($("schedule").value);
    renderArgs(null);
    return;
  }
  if (!catalog) return;
  if (mode === "library") fillSchedulers();
  const api = currentApi();
  renderArgs(api);
  if (mode === "paste" || mode === "config") $("api-summary").textContent = "";
  $("lr-field").hidden = mode === "config" || (api ? !catalog.apis[api].needs_lr : false);
}

// ---------------------------------------------------------------- the classic form

function showFieldsFor(kindName) {
  const kind = config.form.kinds[kindName];
  if (!kind) return;
  for (const block of form.querySelectorAll("#classic-fields [data-field]")) {
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

// ---------------------------------------------------------------- the state

// The whole calculator as lrcalc.page.State reads it: what the user typed, as text.
function readState() {
  const classic = Object.fromEntries(fieldNames.filter((name) => name !== "schedule").map((name) => [name, $(name).value]));
  const training = Object.fromEntries(config.training.map((field) => [field.name, $(`train-${field.name}`).value]));
  return {
    mode: currentMode(),
    schedule: $("schedule").value,
    classic,
    library: $("library").value,
    api: $("api").value,
    lr: $("lr").value,
    paste: $("paste").value,
    config: $("config").value,
    run: Object.fromEntries(config.run.map((name) => [name, $(`run-${name}`).value])),
    names: nameValues(),
    args: Object.fromEntries([...$("args").querySelectorAll("[data-arg]")].map((input) => [input.dataset.arg, input.value])),
    training,
    was: { ...fieldsWere },
    log: $("log-scale").checked,
    compare: compared,
  };
}

// Stepping, unit and the pasted call as they were before the user changed them, until a view has
// answered the change (lrcalc converts the position only when the stepping or unit changes, and takes
// the training length from a call only when the call changes, whatever the replies' timing).
let fieldsWere = {};
let fieldsNow = { stepping: "auto", unit: "auto", paste: null };

function noteChange(name, value) {
  if (!(name in fieldsWere)) fieldsWere[name] = fieldsNow[name];
  fieldsNow[name] = value;
}

// The page's address without its query: Python appends the query of the state shown.
function pageURL() {
  return location.href.split(/[?#]/)[0];
}

// Where a message for an explorer field goes: [paragraph, input].
function exploreTarget(key) {
  if (key.startsWith("args.")) return [$(`arg-${key.slice(5)}-error`), $(`arg-${key.slice(5)}`)];
  if (key.startsWith("training.")) return [$(`train-${key.slice(9)}-error`), $(`train-${key.slice(9)}`)];
  if (key === "lr") return [$("lr-error"), $("lr")];
  if (key === "paste") return [$("paste-error"), $("paste")];
  if (key === "config") return [$("config-error"), $("config")];
  if (key.startsWith("run.")) return [$(`run-${key.slice(4)}-error`), $(`run-${key.slice(4)}`)];
  if (key.startsWith("names.")) {
    const input = [...$("name-fields").querySelectorAll("[data-name]")].find((item) => item.dataset.name === key.slice(6));
    return input ? [$(`${input.id}-error`), input] : [$("paste-error"), $("paste")];
  }
  return [$("api-error"), null];
}

function clearExploreErrors() {
  for (const paragraph of $("explore-fields").querySelectorAll(".error")) {
    const input = paragraph.id === "api-error" ? null : $(paragraph.id.replace(/-error$/, ""));
    showMessage(paragraph, input, "", false);
  }
}

// ---------------------------------------------------------------- results

let lastResult = config.initial; // the last valid view (its copy text, code, state)
let lastView = config.initial; // the last view, valid or not (its link)
const chart = new LrChart($("chart"), $("chart-readout"), { onZoom: (zoomed) => ($("reset-zoom").hidden = !zoomed) });
let compared = []; // states saved for comparison (lrcalc.page.State as JSON), drawn beside the current one

async function render(result) {
  if (result.fatal) {
    showFailure(Object.assign(new Error("The calculator hit an unexpected error. Please report it with the details below."), { detail: result.fatal }));
    return;
  }
  if (result.kind === "explore") renderExplore(result);
  else renderClassic(result);
  section.classList.toggle("has-errors", !result.ok);
  lastView = result;
  lastResult = result.ok ? result : null;
  showLink(result.link);
  if (!result.ok) {
    listComparison(result.compare, false);
    const stale = "The chart still shows the last valid inputs: fix the marked field to update it.";
    $("chart-summary").textContent = stale;
    $("chart-readout").textContent = stale;
    return;
  }
  // The box keeps the user's choice (it is part of the state); the chart is drawn on a log axis when
  // the curve allows it, and the note says what a log axis leaves out, or why it is unavailable.
  $("log-scale").disabled = !result.chart.log_ok;
  $("log-note").textContent = result.log || !result.chart.log_ok ? result.chart.log_note : "";
  renderCode();
  $("steps").replaceChildren(
    ...result.steps.map((line) => {
      const item = document.createElement("li");
      item.textContent = line;
      return item;
    }),
  );
  chart.setLog(result.log, false);
  if (result.compare && result.compare.ok) {
    renderComparison(result.compare);
  } else {
    listComparison(result.compare, false);
    chart.update(result.chart);
    renderTable(result.chart);
  }
}

function renderCode() {
  const entry = lastResult && lastResult.code ? lastResult.code[$("code-target").value] : null;
  $("code").textContent = entry && entry.code ? entry.code : "";
  $("code").parentElement.hidden = !(entry && entry.code);
  $("code-note").textContent = entry ? entry.reason : "";
  $("copy-code").disabled = !(entry && entry.code);
}

async function copyCode() {
  try {
    await navigator.clipboard.writeText($("code").textContent);
    $("code-status").textContent = "Copied the code.";
  } catch {
    const range = document.createRange();
    range.selectNodeContents($("code"));
    getSelection().removeAllRanges();
    getSelection().addRange(range);
    $("code-status").textContent = "The browser did not allow copying, so the code is selected: press Ctrl+C (⌘C on a Mac).";
  }
}

// ---------------------------------------------------------------- comparing

// One line of the comparison list: its swatch, its text and, for a saved schedule, a Remove button.
function compareEntry(i, text, swatch = true) {
  const item = document.createElement("li");
  if (swatch) {
    const mark = document.createElement("span");
    mark.className = `series-swatch series-${i + 1}`;
    mark.setAttribute("aria-hidden", "true");
    item.append(mark);
  }
  const words = document.createElement("span");
  words.textContent = text;
  item.append(words);
  if (i > 0) {
    const remove = document.createElement("button");
    remove.type = "button";
    remove.className = "secondary small";
    remove.textContent = "Remove";
    remove.setAttribute("aria-label", `Remove #${i + 1} from the comparison`);
    remove.addEventListener("click", () => {
      compared.splice(i - 1, 1);
      recalculate();
    });
    item.append(remove);
  }
  return item;
}

// The comparison's list, in lrcalc's words (each saved schedule, or why it cannot be drawn now).
function listComparison(reply, drawn) {
  $("compare-box").hidden = !reply;
  if (reply) $("compare-list").replaceChildren(...reply.entries.map((text, i) => compareEntry(i, text, drawn)));
}

function renderComparison(reply) {
  listComparison(reply, true);
  chart.compare(reply);
  renderTable({
    x_label: reply.x_label,
    table_note: "",
    x_text: reply.x_text,
    text: reply.x_text.map((_, i) => reply.text.map((column) => column[i]).join(" · ")),
  });
  $("chart-summary").textContent = `${reply.legend.length} schedules compared by ${reply.unit}.`;
}

async function addToComparison() {
  if (dirty || inFlight) await settled;
  if (!lastResult) return;
  if (compared.length >= config.maxCompare) {
    $("download-status").textContent = `The chart compares at most ${config.maxCompare + 1} schedules: remove one first.`;
    return;
  }
  compared.push({ ...lastResult.state, compare: [] });
  $("download-status").textContent = `Saved as #${compared.length + 1}. Change the inputs to draw another schedule beside it.`;
  recalculate();
}

// ---------------------------------------------------------------- downloads

function save(blob, name) {
  const link = document.createElement("a");
  link.href = URL.createObjectURL(blob);
  link.download = name;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
}

async function download(kind) {
  const status = $("download-status");
  if (kind === "png") {
    const blob = await chart.png($("chart-summary").textContent);
    save(blob, "learning-rate-chart.png");
    status.textContent = "Saved learning-rate-chart.png.";
    return;
  }
  let reply;
  try {
    reply = await calculator.ask({ type: "download", state: readState() });
  } catch {
    status.textContent = "The calculator is not running, so there is nothing to download.";
    return;
  }
  if (!reply.ok) {
    status.textContent = Object.values(reply.errors).join(" ");
    return;
  }
  const text = kind === "csv" ? reply.csv : reply.json;
  save(new Blob([text], { type: kind === "csv" ? "text/csv" : "application/json" }), `${reply.filename}.${kind}`);
  status.textContent = `Saved ${reply.filename}.${kind}.`;
}

// ---------------------------------------------------------------- the address

// Show the link of the state on screen (lrcalc writes it) in the address bar.
function showLink(link) {
  const wanted = link || location.pathname;
  if (`${location.search}` !== link) history.replaceState(null, "", wanted);
}

async function copyLink() {
  if (dirty || inFlight) await settled;
  const url = lastView.url || pageURL() + (lastView.link || "");
  try {
    await navigator.clipboard.writeText(url);
    $("copy-status").textContent = "Copied a link to these inputs.";
  } catch {
    $("copy-fallback").value = url;
    $("copy-fallback").hidden = false;
    $("copy-fallback").select();
    $("copy-status").textContent = "The browser did not allow copying, so the link is selected below: press Ctrl+C (⌘C on a Mac).";
  }
}

// Fill the form from a state lrcalc read from a link (unknown or hostile parts were dropped, with notes).
// Every field is set, to the link's value or its default, so the form shows exactly the link's state.
// Arguments absent from the state keep what their scheduler opens with (lrcalc's examples).
async function applyLink(state) {
  form.querySelector(`input[name="mode"][value="${state.mode}"]`).checked = true;
  $("schedule").value = state.schedule;
  for (const [name, value] of Object.entries(state.classic)) $(name).value = value;
  $("library").value = state.library;
  argsApi = undefined;
  await updateLayout();
  if (state.api) $("api").value = state.api;
  else $("api").selectedIndex = 0;
  argsApi = undefined;
  await updateLayout();
  $("lr").value = state.lr;
  $("paste").value = state.paste;
  $("config").value = state.config;
  for (const [name, value] of Object.entries(state.run)) $(`run-${name}`).value = value;
  for (const input of $("args").querySelectorAll("[data-arg]")) {
    if (input.dataset.arg in state.args) input.value = state.args[input.dataset.arg];
  }
  for (const [name, value] of Object.entries(state.training)) $(`train-${name}`).value = value;
  namesKept = {};
  renderNames([]);
  namesKept = { ...state.names };
  fieldsWere = {};
  fieldsNow = { stepping: state.training.stepping, unit: state.training.unit, paste: state.mode === "paste" ? state.paste : null };
  $("log-scale").checked = state.log;
  compared = [...state.compare]; // a copy: the default state is shared
}

function showLinkNotes(notes) {
  $("link-note").textContent = notes.join(" ");
  $("link-note").hidden = !notes.length;
}

// ---------------------------------------------------------------- batch-size helper

const batchFields = ["lr", "from_batch", "to_batch", "dataset_size"];
let lastBatch = null;

async function batchHelper() {
  const inputs = Object.fromEntries(batchFields.map((name) => [name, $(`batch-${name}`).value]));
  let reply;
  try {
    reply = await calculator.ask({ type: "batch", inputs });
  } catch {
    return; // reported by the worker client
  }
  for (const name of batchFields) {
    showMessage($(`batch-${name}-error`), $(`batch-${name}`), reply.ok ? "" : reply.errors[name], true);
  }
  lastBatch = reply.ok ? reply : null;
  for (const id of ["linear", "sqrt"]) {
    const rule = reply.ok ? reply.results.find((r) => r.id === id) : null;
    $(`batch-out-${id}`).textContent = rule ? rule.text : "—";
  }
  $("batch-warmup").textContent = reply.ok ? reply.warmup : "";
  $("batch-warmup").hidden = !(reply.ok && reply.warmup);
}

function renderClassic(result) {
  const errors = result.ok ? {} : result.errors;
  setMessages("error", errors);
  setMessages("note", result.ok ? result.notes : {});
  describeFields(errors);
  $("form-problem").hidden = result.ok;
  if (!result.ok) {
    for (const id of Object.keys(config.form.results)) $(`out-${id}`).textContent = "—";
    $("formula").textContent = "—";
    return;
  }
  for (const item of result.results) $(`out-${item.id}`).textContent = item.text;
  $("formula").textContent = result.formula;
  $("chart-summary").textContent = result.summary;
}

// What lrcalc read from a training config: the framework, how it counted the steps, the keys.
function renderConfigRead(read) {
  $("config-read").hidden = !read;
  if (!read) return;
  $("config-framework").textContent = read.read_as;
  $("config-counting").replaceChildren(
    ...read.counting.map((line) => {
      const item = document.createElement("li");
      item.textContent = line;
      return item;
    }),
  );
  $("config-used").textContent = read.used.join(", ") || "none";
  $("config-defaults").textContent = read.defaults.join(", ") || "none";
  $("config-ignored").textContent = read.ignored.join(", ") || "none";
}

function renderExplore(result) {
  if (currentMode() === "paste") renderNames(result.names || []);
  renderConfigRead(result.ok && currentMode() === "config" ? result.config : null);
  clearExploreErrors();
  $("explore-problem").hidden = result.ok;
  const warnings = result.ok ? result.warnings : [];
  $("explore-warnings").replaceChildren(
    ...warnings.map((warning) => {
      const item = document.createElement("li");
      item.textContent = warning;
      return item;
    }),
  );
  $("explore-warnings").hidden = !warnings.length;
  for (const field of config.training) {
    const note = result.ok ? result.field_notes[`training.${field.name}`] : "";
    showMessage($(`train-${field.name}-note`), $(`train-${field.name}`), note);
  }
  if (!result.ok) {
    for (const [key, message] of Object.entries(result.errors)) {
      const [paragraph, input] = exploreTarget(key);
      showMessage(paragraph || $("api-error"), paragraph ? input : null, message, true);
    }
    for (const id of ["peak", "final", "mean", "current"]) $(`sum-${id}`).textContent = "—";
    $("call").textContent = "—";
    $("explore-notes").replaceChildren();
    if (currentMode() === "paste" || currentMode() === "config") $("api-summary").textContent = "";
    return;
  }
  for (const item of result.summary) {
    $(`sum-${item.id}`).textContent = item.text;
    $(`sum-${item.id}-label`).textContent = item.label;
  }
  $("call").textContent = result.call;
  for (const [key, text] of Object.entries(result.rewrites)) exploreTarget(key)[1].value = text;
  fieldsWere = {}; // this view converted the position from them
  for (const name of ["stepping", "unit"]) $(`train-${name}`).querySelector('option[value="auto"]').textContent = result.automatic[name];
  $("explore-notes").replaceChildren(
    ...result.notes.map((note) => {
      const item = document.createElement("li");
      item.textContent = note;
      return item;
    }),
  );
  $("chart-summary").textContent = result.summary_text;
  if (currentMode() === "paste") $("api-summary").textContent = `Read as ${result.call}`;
}

// The data table is built only while its <details> is open: a thousand rows nobody sees would
// otherwise cost a few milliseconds on every keystroke.
let tableData = null;
const tableBox = document.querySelector("details.data-table");
tableBox.addEventListener("toggle", () => tableBox.open && tableData && renderTable(tableData));

function renderTable(data) {
  tableData = data;
  $("table-x").textContent = data.x_label;
  $("table-note").textContent = data.table_note;
  $("table-note").hidden = !data.table_note;
  if (!tableBox.open) return;
  tableData = null;
  const rows = data.x_text.map((x, i) => {
    const row = document.createElement("tr");
    const position = document.createElement("td");
    const value = document.createElement("td");
    position.textContent = x;
    value.textContent = data.text[i];
    row.append(position, value);
    return row;
  });
  $("table-body").replaceChildren(...rows);
}

// ---------------------------------------------------------------- the first answer

// Until Python is ready, an edit of the classic calculator is answered by quick.js: lrcalc's rules and
// closed forms, written into JavaScript at build time (lrcalc.page.quick), give the results and the chart
// at once; the formula, the steps, the code and the link follow when Python answers (with the same
// numbers). A form quick.js leaves to Python (an input to correct, a form it does not read) shows "…" until then.
function answerFirst() {
  if (calculator.isReady || !isClassic()) return;
  const reply = firstAnswer(readState());
  for (const id of Object.keys(config.form.results)) $(`out-${id}`).textContent = "…";
  for (const id of ["formula", "chart-summary"]) $(id).textContent = "…";
  $("steps").replaceChildren();
  $("code").parentElement.hidden = true;
  $("copy-code").disabled = true;
  $("code-note").textContent = "The code follows once Python has loaded.";
  if (!reply) return;
  setMessages("error", {});
  setMessages("note", {});
  describeFields({});
  $("form-problem").hidden = true;
  section.classList.remove("has-errors");
  for (const item of reply.results) $(`out-${item.id}`).textContent = item.text;
  chart.setLog(reply.log, false);
  chart.update(reply.chart);
  renderTable(reply.chart);
}

// Calculations are coalesced: while one is in flight, further edits only mark
// the form dirty, and the newest form is sent when the reply arrives.
let inFlight = false;
let dirty = false;
let settled = Promise.resolve();

function recalculate() {
  answerFirst();
  dirty = true;
  if (!inFlight) settled = run();
  return settled;
}

async function run() {
  inFlight = true;
  busy(1);
  try {
    while (dirty) {
      dirty = false;
      const result = await calculator.ask({ type: "view", state: readState(), page_url: pageURL() });
      if (!dirty) await render(result);
    }
  } catch {
    // Reported by the worker client through showFailure.
  } finally {
    inFlight = false;
    busy(-1);
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

async function fillForm(values) {
  for (const [name, value] of Object.entries(values)) {
    if (fieldNames.includes(name)) $(name).value = value;
  }
  form.querySelector('input[name="mode"][value="schedule"]').checked = true;
  await updateLayout();
}

// Reset is the default state, applied as a link would be.
async function resetForm() {
  $("compare-box").hidden = true;
  showLinkNotes([]);
  await applyLink(config.defaultState);
  clearExploreErrors();
  for (const id of ["copy-status", "code-status", "download-status"]) $(id).textContent = "";
  $("copy-fallback").hidden = true;
  $("config-file").value = "";
  setMessages("error", {});
  setMessages("note", {});
  describeFields({});
  return recalculate();
}

form.addEventListener("input", async (event) => {
  const id = event.target.id;
  if (id === "train-stepping" || id === "train-unit") noteChange(id.slice(6), event.target.value);
  if (id === "paste") noteChange("paste", event.target.value);
  if (event.target.name === "mode") noteChange("paste", currentMode() === "paste" ? $("paste").value : null);
  if (event.target.name === "mode" || id === "schedule" || id === "library" || id === "api") await updateLayout();
  recalculate();
});
form.addEventListener("submit", (event) => {
  event.preventDefault();
  recalculate();
});
// A config file is read here and put in the text box, as if pasted; Python reads it from there.
$("config-file").addEventListener("change", async (event) => {
  const file = event.target.files[0];
  if (!file) return;
  $("config").value = await file.text();
  recalculate();
});
$("copy").addEventListener("click", copyResults);
$("copy-link").addEventListener("click", copyLink);
$("code-target").addEventListener("change", renderCode);
$("copy-code").addEventListener("click", copyCode);
$("compare-add").addEventListener("click", addToComparison);
$("download-csv").addEventListener("click", () => download("csv"));
$("download-json").addEventListener("click", () => download("json"));
$("download-png").addEventListener("click", () => download("png"));
$("reset-zoom").addEventListener("click", () => chart.resetZoom());
$("batch-form").addEventListener("input", batchHelper);
$("batch-form").addEventListener("submit", (event) => event.preventDefault());
for (const button of document.querySelectorAll(".batch-apply")) {
  button.addEventListener("click", () => {
    const rule = lastBatch && lastBatch.results.find((r) => r.id === button.dataset.rule);
    if (rule) useLearningRate(rule.text, "initial");
  });
}
$("theme").value = globalThis.lrcalcTheme ? globalThis.lrcalcTheme.choice() : "system";
$("theme").addEventListener("change", (event) => globalThis.lrcalcTheme && globalThis.lrcalcTheme.set(event.target.value));
$("reset").addEventListener("click", resetForm);
$("log-scale").addEventListener("change", () => recalculate());
$("retry").addEventListener("click", () => {
  $("error-banner").hidden = true;
  root.dataset.state = "loading";
  setStatus("Loading Python runtime…");
  calculator.restart();
  boot();
});
document.addEventListener("click", async (event) => {
  const button = event.target.closest(".load-example");
  if (!button) return;
  await fillForm(JSON.parse(button.dataset.inputs));
  recalculate();
  $("calculator-heading").scrollIntoView({ behavior: "smooth" });
  $("calculator-heading").focus({ preventScroll: true });
});

// ---------------------------------------------------------------- start

const calculator = new Calculator(setStatus, showFailure);
chart.adopt(config.initial.chart); // the page already shows its picture
updateLayout().then(() => {
  // A form changed before this script ran (typed into while the page loaded, or restored by the
  // browser) is answered now, not when Python is ready.
  const now = readState();
  const initial = config.initial.state;
  const changed = now.mode !== initial.mode || now.schedule !== initial.schedule || Object.keys(initial.classic).some((name) => now.classic[name] !== initial.classic[name]);
  if (changed) recalculate();
});
setupFinder({ calculator, config, onUseLr: useLearningRate });

// Carry a learning rate from the finder or the batch-size helper into the calculator: lrcalc says
// which schedule and field it becomes (target "initial" or "one_cycle"); the form is filled as a link would be.
async function useLearningRate(text, target) {
  let reply;
  try {
    reply = await calculator.ask({ type: "use_lr", state: readState(), lr: text, target });
  } catch {
    return; // reported by the worker client
  }
  await applyLink(reply.state);
  recalculate();
  $("calculator-heading").scrollIntoView({ behavior: "smooth" });
  $("calculator-heading").focus({ preventScroll: true });
}

async function boot() {
  try {
    await calculator.ready;
  } catch {
    return;
  }
  if (location.search.length > 1) {
    setStatus("Restoring the inputs from the link…");
    try {
      const link = await calculator.ask({ type: "link", query: location.search });
      await applyLink(link.state);
      showLinkNotes(link.notes);
    } catch {
      return; // reported by the worker client
    }
  }
  await recalculate();
  if (calculator.failed) return;
  root.dataset.state = "ready";
  performance.mark("lrcalc-ready");
  setStatus("Ready: results update as you type.");
}

boot();
