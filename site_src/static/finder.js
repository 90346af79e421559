// The LR finder panel. Python (lrcalc.finder, in the worker) reads the file,
// applies every tool's rule and formats every number; this module sends it the
// text, streams a live range test, and draws loss against learning rate with
// the markers Python places (a dot at each suggestion, a ring at a point a rule
// chose that is not its suggestion, such as fastai's loss minimum).

import { cssVar, tickLabel, whenUPlot } from "./chart.js";

const $ = (id) => document.getElementById(id);

class FinderChart {
  constructor(container, readout) {
    this.container = container;
    this.readout = readout;
    this.data = null;
    this.index = 0;
    this.plot = null;
    container.addEventListener("keydown", (event) => this.onKey(event));
    new ResizeObserver(() => this.plot && this.plot.setSize(this.size())).observe(container);
    document.addEventListener("lrcalc-theme", () => this.draw());
  }

  size() {
    const width = Math.max(this.container.clientWidth, 200);
    return { width, height: Math.round(Math.min(340, Math.max(220, width * 0.5))) };
  }

  // `chart` is lrcalc's {x, y, raw, x_text, y_text, raw_text, y_range, marks}; `live` while a test streams in.
  show(chart, live = false) {
    this.data = { chart: { marks: [], ...chart }, live };
    this.draw();
    this.inspect(Math.min(this.index, chart.x.length - 1));
  }

  series() {
    const { chart } = this.data;
    return [chart.x, chart.raw || chart.x.map(() => null), chart.y];
  }

  // Each mark in its row's colour, at its own LR (between tested points when the rule's value is).
  drawMarks(u) {
    const ratio = globalThis.devicePixelRatio || 1;
    const { ctx, bbox } = u;
    const edge = cssVar("--fg");
    ctx.save();
    ctx.beginPath();
    ctx.rect(bbox.left, bbox.top, bbox.width, bbox.height);
    ctx.clip();
    for (const mark of this.data.chart.marks) {
      const colour = cssVar(`--rule-${mark.colour}`);
      const ring = mark.shape === "ring";
      ctx.beginPath();
      ctx.arc(u.valToPos(mark.x, "x", true), u.valToPos(mark.y, "y", true), (ring ? 9 : 6 - ((mark.colour - 1) % 3)) * ratio, 0, 2 * Math.PI);
      ctx.lineWidth = (ring ? 3 : 1) * ratio;
      ctx.strokeStyle = ring ? colour : edge;
      if (!ring) {
        ctx.fillStyle = colour;
        ctx.fill();
      }
      ctx.stroke();
    }
    ctx.restore();
  }

  draw() {
    if (!this.data) return;
    if (!globalThis.uPlot) {
      whenUPlot().then(() => this.draw(), () => {});
      return;
    }
    const uPlot = globalThis.uPlot;
    if (this.plot) this.plot.destroy();
    const text = cssVar("--fg");
    const grid = cssVar("--grid");
    const axis = { stroke: text, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid, width: 1 } };
    this.container.replaceChildren();
    this.plot = new uPlot(
      {
        ...this.size(),
        legend: { show: false },
        cursor: { drag: { x: false, y: false } },
        scales: {
          x: { time: false, distr: 3, log: 10 },
          y: this.data.chart.y_range ? { range: () => this.data.chart.y_range } : {},
        },
        axes: [
          { ...axis, label: "Learning rate (log scale)", values: (u, splits) => splits.map(tickLabel) },
          { ...axis, label: "Loss", size: 60, values: (u, splits) => splits.map(tickLabel) },
        ],
        series: [
          {},
          { stroke: cssVar("--muted"), width: 1, points: { show: false } },
          { stroke: cssVar("--chart-line"), width: 2, points: { show: false } },
        ],
        hooks: {
          draw: [(u) => this.drawMarks(u)],
          setCursor: [(u) => u.cursor.idx != null && this.inspect(u.cursor.idx, false)],
        },
      },
      this.series(),
      this.container,
    );
  }

  // Append live points without rebuilding the plot.
  extend(points) {
    if (!this.data || !this.data.live) this.show({ x: [], y: [], raw: [], x_text: [], y_text: [], raw_text: [] }, true);
    const chart = this.data.chart;
    for (const point of points) {
      chart.x.push(point.lr);
      chart.y.push(Number.isFinite(point.loss) ? point.loss : null);
      chart.raw.push(Number.isFinite(point.raw) ? point.raw : null);
      chart.x_text.push(point.lr_text);
      chart.y_text.push(point.loss_text);
      chart.raw_text.push("");
    }
    this.plot.setData(this.series());
    this.inspect(chart.x.length - 1, false);
  }

  inspect(index, moveCursor = true) {
    if (!this.data || !this.data.chart.x.length) return;
    const { chart } = this.data;
    this.index = index;
    const marked = chart.marks.filter((mark) => mark.index === index).map((mark) => mark.label);
    const raw = chart.raw_text && chart.raw_text[index] ? ` (raw ${chart.raw_text[index]})` : "";
    const words = `LR ${chart.x_text[index]}: loss ${chart.y_text[index]}${raw}${marked.length ? ` — ${marked.join(", ")}` : ""}`;
    this.readout.textContent = words;
    this.container.setAttribute("aria-valuemax", String(chart.x.length - 1));
    this.container.setAttribute("aria-valuenow", String(index));
    this.container.setAttribute("aria-valuetext", words);
    if (moveCursor && this.plot && chart.y[index] != null) {
      this.plot.setCursor({ left: this.plot.valToPos(chart.x[index], "x"), top: this.plot.valToPos(chart.y[index], "y") }, false);
    }
  }

  onKey(event) {
    if (!this.data) return;
    const last = this.data.chart.x.length - 1;
    const moves = { ArrowLeft: -1, ArrowDown: -1, ArrowRight: 1, ArrowUp: 1, PageDown: -10, PageUp: 10 };
    let next = null;
    if (event.key in moves) next = this.index + moves[event.key];
    if (event.key === "Home") next = 0;
    if (event.key === "End") next = last;
    if (next == null) return;
    event.preventDefault();
    this.inspect(Math.min(last, Math.max(0, next)));
  }
}

export function setupFinder({ calculator, config, onUseLr }) {
  const chart = new FinderChart($("finder-chart"), $("finder-readout"));
  const text = $("finder-text");
  let filename = null;
  let inFlight = false;
  let dirty = false;

  function setError(message) {
    const error = $("finder-error");
    error.textContent = message || "";
    error.hidden = !message;
    if (message) {
      text.setAttribute("aria-invalid", "true");
      text.setAttribute("aria-describedby", "finder-text-hint finder-error");
    } else {
      text.removeAttribute("aria-invalid");
      text.setAttribute("aria-describedby", "finder-text-hint");
    }
  }

  function showResult(result) {
    if (!result.ok) {
      setError(result.error || "The file could not be analysed.");
      return;
    }
    setError("");
    $("finder-detected").textContent = `Detected: ${result.detected}. Smoothing: ${result.smoothing}.`;
    $("finder-notes").replaceChildren(
      ...result.notes.map((note) => {
        const item = document.createElement("li");
        item.textContent = note;
        return item;
      }),
    );
    $("finder-agreement").textContent = result.suggestions.agreement.summary;
    const rows = result.suggestions.rules;
    $("finder-rules").replaceChildren(...rows.map((row, i) => ruleRow(row, i)));
    chart.show(result.chart);
  }

  // The same markup as index.html's rows: explicit roles keep the table a table when narrow screens show cards.
  function part(tag, role, className) {
    const element = document.createElement(tag);
    element.setAttribute("role", role);
    if (className) element.className = className;
    return element;
  }

  function ruleRow(row, i) {
    const tr = part("tr", "row");
    const name = part("th", "rowheader", "rule-name");
    name.scope = "row";
    const swatch = document.createElement("span");
    swatch.className = `swatch swatch-${i + 1}`;
    swatch.setAttribute("aria-hidden", "true");
    name.append(swatch, row.label);
    const value = part("td", "cell", "rule-value");
    value.textContent = row.value != null ? row.text : "—";
    const how = part("td", "cell", "rule-how");
    how.textContent = row.how;
    const use = part("td", "cell", "rule-use");
    if (row.value != null) {
      const button = document.createElement("button");
      button.type = "button";
      button.className = "use-lr secondary";
      button.dataset.lr = row.text;
      button.textContent = `Use ${row.text}`;
      use.append(button);
    }
    tr.append(name, value, how, use);
    return tr;
  }

  async function analyse() {
    dirty = true;
    if (inFlight) return;
    inFlight = true;
    document.documentElement.dataset.finderBusy = "true";
    try {
      while (dirty) {
        dirty = false;
        const result = await calculator.ask({
          type: "finder",
          text: text.value,
          filename,
          smoothing: $("finder-smoothing").value,
          num_it: $("finder-num-it").value,
        });
        if (!dirty) showResult(result);
      }
    } catch {
      // Reported by the worker client.
    } finally {
      inFlight = false;
      delete document.documentElement.dataset.finderBusy;
    }
  }

  async function run() {
    $("finder-run").disabled = true;
    $("finder-stop").disabled = false;
    $("finder-progress").value = 0;
    setError("");
    document.documentElement.dataset.finderBusy = "true";
    const started = performance.now();
    try {
      const result = await calculator.stream({ options: {}, smoothing: $("finder-smoothing").value }, (chunk) => {
        $("finder-progress").max = chunk.total;
        $("finder-progress").value = chunk.count;
        $("finder-progress-text").textContent = chunk.progress;
        chart.extend(chunk.points);
      });
      performance.measure("lrcalc-range-test", { start: started });
      if (result.fatal) throw Object.assign(new Error("The range test hit an unexpected error."), { detail: result.fatal });
      filename = "live-range-test.csv";
      text.value = result.ok ? result.csv : "";
      showResult(result);
    } catch (error) {
      setError(error.message || "The range test could not run.");
    } finally {
      $("finder-run").disabled = false;
      $("finder-stop").disabled = true;
      delete document.documentElement.dataset.finderBusy;
    }
  }

  $("finder-file").addEventListener("change", async (event) => {
    const file = event.target.files[0];
    if (!file) return;
    if (file.size > 5_000_000) {
      setError(`The file is ${Math.round(file.size / 1e6)} MB; a range test is a few kilobytes. Choose the file that holds lr and loss.`);
      return;
    }
    filename = file.name;
    text.value = await file.text();
    analyse();
  });
  text.addEventListener("input", () => {
    filename = null;
    analyse();
  });
  $("finder-smoothing").addEventListener("change", analyse);
  $("finder-num-it").addEventListener("input", analyse);
  // The example run and its analysis are a separate file, fetched when the panel comes into view (its
  // chart shows the example) or the reader asks for the example: a visit that stays at the top never loads it.
  let example = null;
  const loadExample = () => {
    example ??= fetch(new URL(config.finderURL, document.baseURI)).then((response) =>
      response.ok ? response.json() : Promise.reject(new Error(`HTTP ${response.status}`)),
    );
    return example;
  };
  $("finder-example").addEventListener("click", async () => {
    try {
      text.value = (await loadExample()).example;
    } catch (error) {
      example = null; // the next click tries again
      setError(`The example run could not load (${error.message}); paste or choose your own file.`);
      return;
    }
    // The example keeps its file's name: a CSV of lr and loss carries no other sign of the tool that
    // wrote it, so the name is what lets the page say (and say how it knows) that it is torch-lr-finder's.
    filename = "range-test-torch-lr-finder.csv";
    analyse();
  });
  $("finder-run").addEventListener("click", run);
  $("finder-stop").addEventListener("click", () => calculator.stop());
  $("finder-rules").addEventListener("click", (event) => {
    const button = event.target.closest(".use-lr");
    if (button) onUseLr(button.dataset.lr, $("finder-use-as").value);
  });

  const shown = new IntersectionObserver((entries) => {
    if (!entries.some((entry) => entry.isIntersecting)) return;
    shown.disconnect();
    loadExample().then(
      ({ initial }) => chart.data || chart.show(initial.chart),
      () => { example = null; },
    );
  }, { rootMargin: "400px 0px" });
  shown.observe($("finder"));
}
