// Restore the built site's Python snapshot in Node, as the page's worker does,
// and print what Python then holds, as JSON on the last line.
//
//   node tests/pyodide/restore_snapshot.mjs ROOT SNAPSHOT_GZ

import { readFileSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { gunzipSync } from "node:zlib";

const [root, snapshotPath] = process.argv.slice(2);
const { unpack } = await import(pathToFileURL(path.join(root, "site_src/static/snapshot.mjs")).href);
const indexURL = path.join(root, "node_modules/pyodide") + path.sep;
const { loadPyodide } = await import(pathToFileURL(indexURL + "pyodide.mjs").href);
const pyodide = await loadPyodide({ indexURL, _loadSnapshot: unpack(new Uint8Array(gunzipSync(readFileSync(snapshotPath)))) });
const report = pyodide.runPython(`
import json, sys
json.dumps({
    "modules": sorted(name for name in sys.modules if name == "lrcalc" or name.startswith("lrcalc.")),
    "path": sys.path,
})
`);
console.log(report);
