// The page's first answer, while Python is still loading: the classic calculator's results and
// chart for a form that lrcalc would answer without a message. lrcalc.page.quick writes FORM (the
// form's rules) and CURVES (each classic schedule's closed form) above this line at build time; this
// part only reads the form, evaluates the curve and formats the numbers as lrcalc.fmt does.
// answer() returns null for anything else (an input to correct, a curve that leaves the float range,
// a long curve, a comparison): the page then waits for Python, which answers every case.
// tests/pyodide/test_quick.py runs this module against lrcalc.calculator.calculate.

// What Python's float() reads and JavaScript's Number() reads the same way; anything else
// ("1_000", a comma, another script's digits) is left to Python.
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

function read(text) {
  const cleaned = String(text ?? "")
    .replace(/^[ \t\n\r\f\v]+|[ \t\n\r\f\v]+$/g, "")
    .replaceAll("\u2212", "-")
    .replaceAll(" ", "");
  return DECIMAL.test(cleaned) ? Number(cleaned) : NaN;
}

// The exact decimal digits of a positive finite double (every double is a finite decimal) and the
// power of ten of the first one.
function exactDigits(value) {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, value);
  const bits = view.getBigUint64(0);
  const biased = Number((bits >> 52n) & 0x7ffn);
  const mantissa = (bits & 0xfffffffffffffn) | (biased ? 1n << 52n : 0n);
  const power = (biased || 1) - 1075; // value = mantissa × 2^power
  const digits = power >= 0 ? (mantissa << BigInt(power)).toString() : (mantissa * 5n ** BigInt(-power)).toString();
  return { digits, exponent: digits.length - 1 - Math.max(0, -power) };
}

// `value` to `places` significant digits, rounded as Python rounds (half to even): [digits, exponent].
function rounded(value, places) {
  const mantissa = value.toExponential(places + 2).split("e")[0];
  // JavaScript rounds a tie away from zero; only an exact tie can round differently, and an exact
  // tie reads ...500 three digits further.
  if (!mantissa.endsWith("500")) {
    const [short, power] = value.toExponential(places - 1).split("e");
    return [short.replace(".", ""), Number(power)];
  }
  const exact = exactDigits(value);
  let head = exact.digits.slice(0, places);
  const rest = exact.digits.slice(places).replace(/0+$/, "");
  const up = rest > "5" || (rest === "5" && Number(head.at(-1)) % 2 === 1);
  if (!up) return [head, exact.exponent];
  head = (BigInt(head) + 1n).toString();
  return head.length > places ? [head.slice(0, places), exact.exponent + 1] : [head, exact.exponent];
}

// lrcalc.fmt.lr: 4 significant digits, plain from 1e-4 to 1e4, trailing zeros dropped, "2.146e-5".
export function lrText(value) {
  if (value === 0) return "0";
  const sign = value < 0 ? "-" : "";
  const [digits, exponent] = rounded(Math.abs(value), FORM.digits);
  const trimmed = digits.replace(/0+$/, "");
  if (exponent < -4 || exponent >= FORM.digits) {
    return `${sign}${trimmed[0]}${trimmed.length > 1 ? `.${trimmed.slice(1)}` : ""}e${exponent}`;
  }
  if (exponent < 0) return `${sign}0.${"0".repeat(-exponent - 1)}${trimmed}`;
  const whole = digits.slice(0, exponent + 1).padEnd(exponent + 1, "0");
  const fraction = trimmed.slice(exponent + 1);
  return `${sign}${whole}${fraction ? `.${fraction}` : ""}`;
}

// lrcalc.fmt.count: thousands separated by commas.
function count(value) {
  return String(value).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
}

// The form's values, or null unless every field the schedule reads follows its rule.
function values(kind, text, base) {
  const out = {};
  for (const name of kind.fields) {
    if (name === "count_from") continue;
    const value = read(text[name]);
    if (FORM.reals.includes(name)) {
      if (!(Number.isFinite(value) && value > 0)) return null;
    } else {
      const least = name === "current_epoch" ? base : FORM.wholeFrom[name];
      if (!(Number.isInteger(value) && value >= least && value <= FORM.maxEpochs)) return null;
    }
    out[name] = value;
  }
  return out;
}

// The results and the chart for a page state (lrcalc.page.State as the page sends it), or null.
export function answer(state) {
  if (state.mode !== "schedule" || !Object.hasOwn(FORM.kinds, state.schedule) || (state.compare || []).length) return null;
  const kind = FORM.kinds[state.schedule];
  const countFrom = String(state.classic.count_from ?? "").replace(/^[ \t\n\r\f\v]+|[ \t\n\r\f\v]+$/g, "");
  if (!FORM.countFrom.includes(countFrom)) return null;
  const base = Number(countFrom);
  const v = values(kind, state.classic, base);
  if (v === null) return null;
  const curve = CURVES[state.schedule];
  const lr = (epoch) => curve(epoch - base, v);
  const current = v.current_epoch;
  const last = Math.max(v.total_epochs - 1 + base, current);
  if (last - base + 1 > FORM.chartPoints) return null;
  const x = Array.from({ length: last - base + 1 }, (_, i) => base + i);
  const y = x.map(lr);
  const now = lr(current);
  const numbers = { current_lr: now, decay_factor: now / v.initial_lr, next_lr: lr(current + 1), first_lr: lr(1) };
  const all = [...y, ...Object.values(numbers), y.at(-1) / v.initial_lr, numbers.next_lr / v.initial_lr];
  if (!all.every(Number.isFinite) || !y.every((value) => value > 0)) return null;
  const drops = [];
  if (kind.drops) for (let epoch = v[kind.drops] + base; epoch <= last; epoch += v[kind.drops]) drops.push(epoch);
  const marks = drops.length > FORM.maxMarks ? [] : drops.map((epoch, i) => ({ x: epoch, label: FORM.dropMark.replace("{number}", i + 1).replace("{epoch}", count(epoch)) }));
  return {
    results: FORM.results.map((id) => ({ id, value: numbers[id], text: lrText(numbers[id]) })),
    chart: {
      x,
      x_text: x.map(String),
      y,
      text: y.map(lrText),
      marker: current - base,
      path: kind.drops ? "stepped" : "linear",
      x_label: FORM.xLabel.replace("{base}", base),
      ...FORM.labels,
      log_ok: true,
      log_note: "",
      table_note: "",
      marks,
    },
    log: Boolean(state.log),
  };
}
