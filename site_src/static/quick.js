// The page's first answer, while Python is still loading: the classic calculator's results and
// chart for a form that lrcalc would answer without an error. lrcalc.page.quick writes FORM (the
// form's rules) and CURVES (each classic schedule's closed form) above this line at build time; this
// part only reads the form, evaluates the curve and formats the numbers as lrcalc.fmt does.
// answer() returns null for anything else (an input to correct, a curve outside the normal floats,
// a long curve, a comparison, a text that turns on how C rounds a power): the page then waits for
// Python, which answers every case, notes included.
// tests/pyodide/test_quick.py runs this module against lrcalc.calculator.calculate.

// What Python's float() reads and JavaScript's Number() reads the same way; anything else
// ("1_000", a comma, another script's digits) is left to Python.
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const MIN_NORMAL = 2.2250738585072014e-308;

function read(text) {
  const cleaned = String(text ?? "")
    .replace(/^[ \t\n\r\f\v]+|[ \t\n\r\f\v]+$/g, "")
    .replaceAll("\u2212", "-")
    .replaceAll(" ", "");
  return DECIMAL.test(cleaned) ? Number(cleaned) : NaN;
}

// x ** n for a double x > 0 and a whole n >= 0, as C's pow gives it, which Python's float ** is. C's
// pow (glibc's and musl's, which Pyodide has) is within 0.52 ulp of the exact power: correctly rounded
// unless the exact power lies within 0.02 ulp of a midpoint between two doubles, where it may round
// either way. V8's Math.pow is not as close (0.9 ** 4 is 0.6561000000000001 there, 0.6561 in C), and
// at 4 significant digits an ulp can change the text (5 × 0.9^4 = 3.2805 reads 3.28 or 3.281). So
// the power is taken by squaring in double-double arithmetic (Dekker's product, about 100 bits), with
// the power of two kept apart so that no step overflows or underflows, and rounded once; where it lies
// near a midpoint, `nearMidpoint` is set and `otherSide` asks for the other neighbour, so that answer()
// can show a text only if both roundings read the same. Anything else (never asked by CURVES, whose
// exponents are whole) sets `untrusted`.
let nearMidpoint = false;
let otherSide = false;
let untrusted = false;

const SPLIT = 134217729; // 2^27 + 1

function twoProduct(a, b) {
  const p = a * b;
  const ca = SPLIT * a;
  const ah = ca - (ca - a);
  const cb = SPLIT * b;
  const bh = cb - (cb - b);
  return [p, ah * bh - p + ah * (b - bh) + (a - ah) * bh + (a - ah) * (b - bh)];
}

// The product of two double-doubles [hi, lo, power of two], renormalised to hi in [0.5, 1).
function times(x, y) {
  const [p, e] = twoProduct(x[0], y[0]);
  const hi = p + (e + (x[0] * y[1] + x[1] * y[0]));
  const lo = e + (x[0] * y[1] + x[1] * y[0]) - (hi - p);
  const shift = binaryExponent(hi);
  return [hi * twoTo(-shift), lo * twoTo(-shift), x[2] + y[2] + shift];
}

const BITS = new DataView(new ArrayBuffer(8));

// 2^k for a whole k from -1022 to 1023, exactly (from its bits: no rounding to trust).
function twoTo(k) {
  BITS.setUint32(0, (k + 1023) << 20);
  BITS.setUint32(4, 0);
  return BITS.getFloat64(0);
}

// e such that value = m × 2^e with m in [0.5, 1), for a normal value.
function binaryExponent(value) {
  BITS.setFloat64(0, value);
  return ((BITS.getUint32(0) >>> 20) & 0x7ff) - 1022;
}

function power(x, n) {
  if (!(x > 0 && x < Infinity && Number.isInteger(n) && n >= 0) || Math.abs(binaryExponent(x)) > 1021) {
    untrusted = true;
    return Math.pow(x, n);
  }
  if (n === 0 || x === 1) return 1;
  const shift = binaryExponent(x);
  let base = [x * twoTo(-shift), 0, shift];
  let result = [1, 0, 0];
  for (let k = n; k > 0; k = Math.floor(k / 2)) {
    if (k % 2) result = times(result, base);
    if (k > 1) base = times(base, base);
  }
  let [value, rest, exponent] = result; // value in [0.5, 1): its ulp is 2^-53 (2^-54 below 0.5)
  const ulp = rest < 0 && value === 0.5 ? twoTo(-54) : twoTo(-53);
  if (Math.abs(rest) >= 0.47 * ulp) {
    nearMidpoint = true;
    if (otherSide) value += Math.sign(rest) * ulp;
  }
  for (; exponent > 1000; exponent -= 1000) value *= twoTo(1000);
  for (; exponent < -1000; exponent += 1000) value *= twoTo(-1000);
  return value * twoTo(exponent);
}

// The exact decimal digits of a positive finite double (every double is a finite decimal) and the
// power of ten of the first one.
function exactDigits(value) {
  BITS.setFloat64(0, value);
  const bits = BITS.getBigUint64(0);
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
// power(x, n), and where C's pow could round the other way, that other double (for the tests).
export function powerOf(x, n) {
  [nearMidpoint, otherSide, untrusted] = [false, false, false];
  const value = power(x, n);
  if (untrusted || !nearMidpoint) return untrusted ? null : [value];
  otherSide = true;
  const other = power(x, n);
  otherSide = false;
  return [value, other];
}

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
  // Every value shown is one power (of the rate, or the factor) times the initial rate, or that over it.
  const evaluate = () => {
    const now = lr(current);
    return { y: x.map(lr), numbers: { current_lr: now, decay_factor: now / v.initial_lr, next_lr: lr(current + 1), first_lr: lr(1) } };
  };
  [nearMidpoint, otherSide, untrusted] = [false, false, false];
  const { y, numbers } = evaluate();
  if (untrusted) return null;
  if (nearMidpoint) {
    otherSide = true;
    const other = evaluate();
    otherSide = false;
    const texts = (values) => [...values.y, ...Object.values(values.numbers)].map((value) => (Number.isFinite(value) ? lrText(value) : "")).join(" ");
    if (texts(other) !== texts({ y, numbers })) return null; // the text turns on how C rounds: Python's to show
  }
  const all = [...y, ...Object.values(numbers), y.at(-1) / v.initial_lr, numbers.next_lr / v.initial_lr];
  // A curve that leaves the float range is lrcalc's to report, and one that reaches the subnormals (below
  // 2.2e-308) too: there power() would round twice.
  if (!all.every(Number.isFinite) || !y.every((value) => value >= MIN_NORMAL) || !(numbers.next_lr >= MIN_NORMAL)) return null;
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
