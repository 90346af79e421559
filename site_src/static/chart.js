// The learning-rate chart: a thin wrapper around uPlot (vendored, pinned in
// package.json). It draws what lrcalc computed: one curve with the current
// position marked, or up to four compared curves; phase boundaries; a readout
// for the pointer, touch or the keyboard; drag to zoom. The numbers it shows
// are lrcalc's own formatted text; only the axis tick labels are formatted
// here, because uPlot chooses the ticks.

// uPlot is not part of the page's first load: the first chart is a picture Python drew into the page
// (visible with JavaScript off), and uPlot is fetched when the chart is first used (pointed at, focused,
// touched) or must change. Until then every method keeps its data and draws once uPlot is there.
let uPlotLoading = null;
export function whenUPlot() {
  if (globalThis.uPlot) return Promise.resolve(globalThis.uPlot);
  uPlotLoading ??= new Promise((resolve, reject) => {
    const script = document.createElement("script");
    script.src = new URL(document.getElementById("calculator").dataset.uplot, document.baseURI).href;
    script.onload = () => resolve(globalThis.uPlot);
    script.onerror = () => {
      uPlotLoading = null;
      reject(new Error("the chart library did not load"));
    };
    document.head.append(script);
  });
  return uPlotLoading;
}

const DASHES = [[], [8, 5], [2, 4], [12, 4, 3, 4]];

export function cssVar(name) {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim();
}

// Tick labels: short, without floating-point noise (0.002, not 0.0020000000000000005).
export function tickLabel(value) {
  if (value == null) return "";
  if (value === 0) return "0";
  const clean = Number(value.toPrecision(6));
  const size = Math.abs(clean);
  return size >= 1e-3 && size < 1e5 ? String(clean) : clean.toExponential().replace("e+", "e");
}

// Break `text` into lines no wider than `width` at the context's font (a word longer than that is cut).
function wrap(ctx, text, width) {
  const lines = [];
  let line = "";
  for (const word of text.split(/\s+/).filter(Boolean)) {
    const next = line ? `${line} ${word}` : word;
    if (ctx.measureText(next).width <= width || !line) {
      line = next;
    } else {
      lines.push(line);
      line = word;
    }
  }
  if (line) lines.push(line);
  return lines.map((l) => (ctx.measureText(l).width <= width ? l : l.slice(0, Math.floor((l.length * width) / ctx.measureText(l).width))));
}

// Ticks for a log axis: powers of ten, every one or every few so that at most 8 show. (uPlot's own
// log ticks fail with "Invalid array length" when a curve spans some thirty decades.)
function decades(min, max) {
  const low = Math.floor(Math.log10(min));
  const high = Math.ceil(Math.log10(max));
  const every = Math.max(1, Math.ceil((high - low) / 7));
  const ticks = [];
  for (let e = low; e <= high; e += every) ticks.push(Number(`1e${e}`));
  return ticks.filter((v) => v >= min * (1 - 1e-9) && v <= max * (1 + 1e-9));
}

export class LrChart {
  constructor(container, readout, { onZoom } = {}) {
    this.container = container;
    this.readout = readout;
    this.onZoom = onZoom || (() => {});
    this.data = null; // a single curve from lrcalc, or {compare: true, ...} for several
    this.log = false;
    this.plot = null;
    this.index = null;
    this.logChanged = false;
    const wake = () => this.plot || this.rebuild(); // the picture becomes the interactive chart
    for (const name of ["pointerenter", "focusin", "touchstart"]) container.addEventListener(name, wake, { passive: true, once: true });
    container.addEventListener("keydown", (event) => this.onKey(event));
    container.addEventListener("mouseleave", () => this.inspect(null));
    container.addEventListener("touchstart", (event) => this.onTouch(event), { passive: true });
    container.addEventListener("touchmove", (event) => this.onTouch(event), { passive: true });
    new ResizeObserver(() => this.resize()).observe(container);
    document.addEventListener("lrcalc-theme", () => this.rebuild());
  }

  // Draw a new single curve; `chart` is the "chart" object of an lrcalc result.
  update(chart) {
    // The picture in the page already shows this curve: nothing to draw (and no need for uPlot yet).
    if (!this.plot && !this.logChanged && this.data && !this.data.compare && JSON.stringify(chart) === JSON.stringify(this.data)) return;
    const structural =
      !this.data || this.data.compare || this.logChanged || this.data.path !== chart.path || this.data.x_label !== chart.x_label;
    this.data = chart;
    if (!chart.log_ok) this.log = false;
    // On a log axis uPlot keeps the old y range through setData, so a log chart is rebuilt each time.
    if (structural || !this.plot || this.log) {
      this.rebuild();
    } else {
      // setData fits both axes to the new data. (A redraw() after it would put back the old x
      // range: uPlot applies the new scales only when it commits, and redraw() re-sets x first.)
      this.plot.setData(this.series());
    }
    this.inspect(null);
  }

  // Draw several curves: lrcalc.compare's {x, x_text, y: [...], text: [...], legend, x_label, log_ok}.
  compare(data) {
    this.data = { ...data, compare: true, marks: [] };
    if (!data.log_ok) this.log = false;
    this.rebuild();
    this.inspect(null);
  }

  // Switch the y axis between linear and log; the next update() or compare() redraws when `redraw` is false.
  setLog(on, redraw = true) {
    const log = Boolean(on);
    if (log === this.log) return;
    this.log = log;
    this.logChanged = true;
    if (redraw) this.rebuild();
  }

  // A log axis has no 0: values at or below it are left out of a log chart (lrcalc says so in log_note).
  series() {
    const { x, marker } = this.data;
    const shown = (y) => (this.log ? y.map((value) => (value != null && value > 0 ? value : null)) : y);
    if (this.data.compare) return [x, ...this.data.y.map(shown)];
    const y = shown(this.data.y);
    return [x, y, y.map((value, i) => (i === marker ? value : null))];
  }

  size() {
    const width = Math.max(this.container.clientWidth, 200);
    return { width, height: Math.round(Math.min(360, Math.max(220, width * 0.55))) };
  }

  seriesOptions() {
    const line = cssVar("--chart-line");
    if (this.data.compare) {
      return this.data.y.map((_, i) => ({
        stroke: cssVar(`--series-${i + 1}`),
        width: 2,
        dash: DASHES[i],
        points: { show: false },
        spanGaps: false,
      }));
    }
    const marker = cssVar("--chart-marker");
    return [
      {
        stroke: line,
        width: 2,
        points: { show: false },
        paths: this.data.path === "stepped" ? globalThis.uPlot.paths.stepped({ align: 1 }) : undefined,
      },
      { stroke: marker, width: 0, paths: () => null, points: { show: true, size: 11, fill: marker, stroke: marker } },
    ];
  }

  // Keep `chart` as the data the picture in the page shows, without loading uPlot yet.
  adopt(chart) {
    this.data = chart;
  }

  rebuild() {
    if (!this.data) return;
    if (!globalThis.uPlot) {
      whenUPlot().then(() => this.rebuild(), () => {});
      return;
    }
    const uPlot = globalThis.uPlot;
    this.logChanged = false;
    if (this.plot) this.plot.destroy();
    const text = cssVar("--fg");
    const grid = cssVar("--grid");
    const axis = { stroke: text, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid, width: 1 } };
    const options = {
      ...this.size(),
      legend: { show: false },
      cursor: { drag: { x: true, y: false, setScale: true }, points: { size: 9, fill: cssVar("--chart-line") } },
      scales: { x: { time: false }, y: this.log ? { distr: 3, log: 10 } : { distr: 1 } },
      axes: [
        { ...axis, label: this.data.x_label },
        {
          ...axis,
          label: "Learning rate",
          size: 72,
          values: (u, splits) => splits.map(tickLabel),
          ...(this.log ? { splits: (u, i, min, max) => decades(min, max), filter: (u, splits) => splits } : {}),
        },
      ],
      series: [{}, ...this.seriesOptions()],
      hooks: {
        draw: [(u) => this.decorate(u), (u) => this.recordRanges(u)],
        setCursor: [(u) => this.inspect(u.cursor.idx, false)],
        setScale: [(u, key) => key === "x" && this.onZoom(this.zoomed())],
      },
    };
    this.container.replaceChildren();
    this.plot = new uPlot(options, this.series(), this.container);
  }

  zoomed() {
    if (!this.plot || !this.data) return false;
    const { min, max } = this.plot.scales.x;
    const x = this.data.x;
    return min > x[0] + 1e-9 || max < x[x.length - 1] - 1e-9;
  }

  resetZoom() {
    if (!this.plot) return;
    const x = this.data.x;
    this.plot.setScale("x", { min: x[0], max: x[x.length - 1] });
  }

  // The axis ranges as drawn, on the container (data-x-range="0 299"), so a test can hold the
  // picture against the numbers.
  recordRanges(u) {
    this.container.dataset.xRange = `${u.scales.x.min} ${u.scales.x.max}`;
    this.container.dataset.yRange = `${u.scales.y.min} ${u.scales.y.max}`;
  }

  // Phase boundaries as dotted lines, and the current position as a dashed one.
  decorate(u) {
    const { top, height } = u.bbox;
    const ctx = u.ctx;
    const line = (x, colour, dash) => {
      const left = u.valToPos(x, "x", true);
      if (left < u.bbox.left || left > u.bbox.left + u.bbox.width) return;
      ctx.save();
      ctx.strokeStyle = colour;
      ctx.setLineDash(dash.map((d) => d * devicePixelRatio));
      ctx.lineWidth = devicePixelRatio;
      ctx.beginPath();
      ctx.moveTo(left, top);
      ctx.lineTo(left, top + height);
      ctx.stroke();
      ctx.restore();
    };
    for (const mark of this.data.marks || []) line(mark.x, cssVar("--muted"), [1, 3]);
    if (!this.data.compare) line(this.data.x[this.data.marker], cssVar("--chart-marker"), [5, 4]);
  }

  resize() {
    if (this.plot) this.plot.setSize(this.size());
  }

  // Show the readout for point `index` (null: the current position).
  inspect(index, moveCursor = true) {
    if (!this.data) return;
    const { x, x_text: xText } = this.data;
    let words;
    let i;
    if (this.data.compare) {
      i = index == null ? 0 : index;
      const values = this.data.text.map((column, k) => `#${k + 1} ${column[i]}`).join(", ");
      words = `${this.data.x_label} ${xText[i]}: ${values}`;
    } else {
      const { text, marker } = this.data;
      i = index == null ? marker : index;
      const unit = this.data.point_label;
      const suffix = i === marker ? ` (current ${unit.toLowerCase()})` : "";
      words = `${unit} ${xText[i]}: ${text[i]}${suffix}`;
    }
    this.index = index;
    this.readout.textContent = words;
    this.container.setAttribute("aria-valuemin", String(x[0]));
    this.container.setAttribute("aria-valuemax", String(x[x.length - 1]));
    this.container.setAttribute("aria-valuenow", String(x[i]));
    this.container.setAttribute("aria-valuetext", words);
    if (moveCursor && index != null && this.plot) {
      const y = this.data.compare ? this.data.y.map((col) => col[i]).find((v) => v != null) : this.data.y[i];
      if (y != null) this.plot.setCursor({ left: this.plot.valToPos(x[i], "x"), top: this.plot.valToPos(y, "y") }, false);
    }
  }

  onKey(event) {
    if (!this.data) return;
    const last = this.data.x.length - 1;
    const from = this.index == null ? (this.data.compare ? 0 : this.data.marker) : this.index;
    const jump = Math.max(1, Math.round(last / 10));
    const moves = {
      ArrowLeft: from - 1,
      ArrowDown: from - 1,
      ArrowRight: from + 1,
      ArrowUp: from + 1,
      PageDown: from - jump,
      PageUp: from + jump,
      Home: 0,
      End: last,
    };
    if (!(event.key in moves)) return;
    event.preventDefault();
    this.inspect(Math.min(last, Math.max(0, moves[event.key])));
  }

  onTouch(event) {
    if (!this.plot || !event.touches.length) return;
    const over = this.plot.over.getBoundingClientRect();
    const left = event.touches[0].clientX - over.left;
    if (left < 0 || left > over.width) return;
    this.inspect(this.plot.posToIdx(left));
  }

  // The chart as a PNG on a light background, with a caption line under it.
  async png(caption) {
    await whenUPlot();
    if (!this.plot) this.rebuild();
    const root = document.documentElement;
    const theme = root.dataset.theme;
    if (theme !== "light") {
      root.dataset.theme = "light";
      this.rebuild();
    }
    const source = this.plot.ctx.canvas;
    const pad = 16 * devicePixelRatio;
    const lineHeight = 18 * devicePixelRatio;
    const canvas = document.createElement("canvas");
    const ctx = canvas.getContext("2d");
    const font = `${12 * devicePixelRatio}px system-ui, sans-serif`;
    ctx.font = font;
    const lines = wrap(ctx, caption, source.width);
    canvas.width = source.width + 2 * pad;
    canvas.height = source.height + 2 * pad + lineHeight * lines.length;
    ctx.fillStyle = "#ffffff";
    ctx.fillRect(0, 0, canvas.width, canvas.height);
    ctx.drawImage(source, pad, pad);
    ctx.fillStyle = "#1b1f24";
    ctx.font = font; // resizing the canvas reset it
    lines.forEach((line, i) => ctx.fillText(line, pad, source.height + pad + lineHeight * (i + 0.8)));
    if (theme !== "light") {
      root.dataset.theme = theme;
      this.rebuild();
    }
    return new Promise((resolve) => canvas.toBlob(resolve, "image/png"));
  }

  // The canvas as a data URL, so tests can tell a redraw happened.
  snapshot() {
    return this.plot ? this.plot.ctx.canvas.toDataURL() : "";
  }
}
