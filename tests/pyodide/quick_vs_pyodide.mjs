// quick.js against lrcalc under Pyodide, in one Node process: the page's two answers to the same forms.
//
//   node tests/pyodide/quick_vs_pyodide.mjs <repo> <lrcalc archive> <quick.js> <forms.json>
//
// Python in the page is Pyodide (its libm is musl's, not the host's glibc), so this compares quick.js
// with the Python that really replaces its answer. Prints one JSON line: how many forms, how many
// quick.js answered, how many of the chart's values were the same double and how far apart the others
// were (in doubles: a power C rounds the other way near a midpoint), and the first mismatches.

import path from "node:path";
import { pathToFileURL } from "node:url";
import { readFile } from "node:fs/promises";
import { loadPyodide } from "../../node_modules/pyodide/pyodide.mjs";

const [repo, archive, quickPath, formsPath] = process.argv.slice(2).map((p) => path.resolve(p));
const quick = await import(pathToFileURL(quickPath).href);
const forms = JSON.parse(await readFile(formsPath, "utf-8"));
const pyodide = await loadPyodide({ indexURL: path.join(repo, "node_modules", "pyodide") + path.sep });
pyodide.unpackArchive(new Uint8Array(await readFile(archive)), "zip", { extractDir: "/lrcalc" });
pyodide.runPython("import sys; sys.path.insert(0, '/lrcalc')");
const calculate = pyodide.runPython(`
import json
from lrcalc.calculator import calculate
lambda form: json.dumps(calculate(json.loads(form)))
`);

// How many doubles apart two positive doubles are (their bit patterns are in the same order as they are).
const bits = (value) => new BigInt64Array(new Float64Array([value]).buffer)[0];
const ulps = (a, b) => Number(bits(a) > bits(b) ? bits(a) - bits(b) : bits(b) - bits(a));
const MAX_ULPS = Number(process.env.QUICK_MAX_ULPS || 2); // as test_quick.MAX_APART

const summary = { forms: forms.length, answered: 0, values: 0, same_double: 0, max_ulps: 0, mismatched: 0, mismatches: [] };
for (const form of forms) {
  const { schedule, ...classic } = form;
  const got = quick.answer({ mode: "schedule", schedule, classic, compare: [], log: false });
  if (got === null) continue;
  summary.answered++;
  const want = JSON.parse(calculate(JSON.stringify(form)));
  const problems = [];
  if (!want.ok) problems.push("lrcalc refused it");
  else {
    const texts = (r) => r.map((item) => `${item.id}=${item.text}`).join(" ");
    if (texts(got.results) !== texts(want.results)) problems.push(`results ${texts(got.results)} != ${texts(want.results)}`);
    for (const key of ["x", "x_text", "text", "marker", "path", "x_label", "marks"]) {
      if (JSON.stringify(got.chart[key]) !== JSON.stringify(want.chart[key])) problems.push(`chart.${key} differs`);
    }
    want.chart.y.forEach((value, i) => {
      const apart = ulps(got.chart.y[i], value);
      summary.values++;
      summary.same_double += apart === 0;
      summary.max_ulps = Math.max(summary.max_ulps, apart);
      if (apart > MAX_ULPS) problems.push(`y[${i}] ${got.chart.y[i]} is ${apart} doubles from ${value}`);
    });
  }
  if (!problems.length) continue;
  summary.mismatched++;
  if (summary.mismatches.length < 5) summary.mismatches.push({ form, problems: problems.slice(0, 3) });
}
console.log(JSON.stringify(summary));
process.exit(0);
