// The learning-rate chart: a thin wrapper around uPlot (vendored, pinned in
// package.json). It draws what lrcalc computed, marks the current epoch, and
// reads out any epoch under the pointer or the keyboard cursor. The numbers it
// shows in the readout are lrcalc's own formatted text; only the axis tick
// labels are formatted here, because uPlot chooses the ticks.

const uPlot = globalThis.uPlot;

function cssVar(name) {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim();
}

// Tick labels: short, without floating-point noise (0.002, not 0.0020000000000000005).
function tickLabel(value) {
  if (value == null) return "";
  if (value === 0) return "0";
  const clean = Number(value.toPrecision(6));
  const size = Math.abs(clean);
  return size >= 1e-3 && size < 1e5 ? String(clean) : clean.toExponential().replace("e+", "e");
}

export class LrChart {
  constructor(container, readout) {
    this.container = container;
    this.readout = readout;
    this.data = null;
    this.log = false;
    this.plot = null;
    this.index = null;
    container.addEventListener("keydown", (event) => this.onKey(event));
    container.addEventListener("mouseleave", () => this.inspect(null));
    new ResizeObserver(() => this.resize()).observe(container);
    matchMedia("(prefers-color-scheme: dark)").addEventListener("change", () => this.rebuild());
  }

  // Draw a new curve; `chart` is the "chart" object of an lrcalc result.
  update(chart) {
    const structural =
      !this.data || this.data.path !== chart.path || this.data.x_label !== chart.x_label;
    this.data = chart;
    if (!chart.log_ok) this.log = false;
    if (structural || !this.plot) {
      this.rebuild();
    } else {
      this.plot.setData(this.series());
    }
    this.inspect(null);
  }

  setLog(on) {
    this.log = Boolean(on) && this.data.log_ok;
    this.rebuild();
  }

  series() {
    const { x, y, marker } = this.data;
    return [x, y, y.map((value, i) => (i === marker ? value : null))];
  }

  size() {
    const width = Math.max(this.container.clientWidth, 200);
    return { width, height: Math.round(Math.min(360, Math.max(220, width * 0.55))) };
  }

  rebuild() {
    if (!this.data) return;
    if (this.plot) this.plot.destroy();
    const text = cssVar("--fg");
    const grid = cssVar("--grid");
    const line = cssVar("--chart-line");
    const marker = cssVar("--chart-marker");
    const axis = { stroke: text, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid, width: 1 } };
    const options = {
      ...this.size(),
      legend: { show: false },
      cursor: { drag: { x: false, y: false }, points: { size: 9, fill: line } },
      scales: { x: { time: false }, y: this.log ? { distr: 3, log: 10 } : { distr: 1 } },
      axes: [
        { ...axis, label: this.data.x_label },
        { ...axis, label: this.data.y_label, size: 72, values: (u, splits) => splits.map(tickLabel) },
      ],
      series: [
        {},
        {
          stroke: line,
          width: 2,
          points: { show: false },
          paths: this.data.path === "stepped" ? uPlot.paths.stepped({ align: 1 }) : undefined,
        },
        { stroke: marker, width: 0, paths: () => null, points: { show: true, size: 11, fill: marker, stroke: marker } },
      ],
      hooks: {
        draw: [(u) => this.drawMarkerLine(u, marker)],
        setCursor: [(u) => this.inspect(u.cursor.idx, false)],
      },
    };
    this.container.replaceChildren();
    this.plot = new uPlot(options, this.series(), this.container);
  }

  drawMarkerLine(u, colour) {
    const { x, marker } = this.data;
    const left = u.valToPos(x[marker], "x", true);
    const { top, height } = u.bbox;
    const ctx = u.ctx;
    ctx.save();
    ctx.strokeStyle = colour;
    ctx.setLineDash([5, 4]);
    ctx.lineWidth = devicePixelRatio;
    ctx.beginPath();
    ctx.moveTo(left, top);
    ctx.lineTo(left, top + height);
    ctx.stroke();
    ctx.restore();
  }

  resize() {
    if (this.plot) this.plot.setSize(this.size());
  }

  // Show the readout for point `index` (null: the current epoch).
  inspect(index, moveCursor = true) {
    if (!this.data) return;
    const { x, y, text, marker } = this.data;
    const i = index == null ? marker : index;
    this.index = index;
    const unit = this.data.point_label;
    const suffix = i === marker ? ` (current ${unit.toLowerCase()})` : "";
    const words = `${unit} ${this.data.x_text[i]}: ${text[i]}${suffix}`;
    this.readout.textContent = words;
    this.container.setAttribute("aria-valuemin", String(x[0]));
    this.container.setAttribute("aria-valuemax", String(x[x.length - 1]));
    this.container.setAttribute("aria-valuenow", String(x[i]));
    this.container.setAttribute("aria-valuetext", words);
    if (moveCursor && index != null && this.plot) {
      this.plot.setCursor({ left: this.plot.valToPos(x[i], "x"), top: this.plot.valToPos(y[i], "y") }, false);
    }
  }

  onKey(event) {
    if (!this.data) return;
    const last = this.data.x.length - 1;
    const from = this.index == null ? this.data.marker : this.index;
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

  // The canvas as a data URL, so tests and exports can tell a redraw happened.
  snapshot() {
    return this.plot ? this.plot.ctx.canvas.toDataURL() : "";
  }
}
