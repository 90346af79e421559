// Run lrcalc's unit tests under real Pyodide (Python 3.14, WebAssembly) in Node.
//
//   node tests/pyodide/run_unit_tests.mjs <repo> <lrcalc archive> <site-packages>
//
// lrcalc is imported from the same archive the page loads; pytest and its
// pure-Python dependencies come from the host's virtualenv. The last line
// printed is a JSON summary that tests/pyodide/test_pyodide.py reads.

import path from "node:path";
import { loadPyodide } from "../../node_modules/pyodide/pyodide.mjs";
import { readFile } from "node:fs/promises";

const [repo, archive, sitePackages] = process.argv.slice(2).map((p) => path.resolve(p));
const pyodide = await loadPyodide({ indexURL: path.join(repo, "node_modules", "pyodide") + path.sep });
const passThrough = (stream) => ({ write: (bytes) => (stream.write(bytes), bytes.length) });
pyodide.setStdout(passThrough(process.stdout));
pyodide.setStderr(passThrough(process.stderr));
for (const dir of new Set([repo, sitePackages])) {
  pyodide.FS.mkdirTree(dir);
  pyodide.FS.mount(pyodide.FS.filesystems.NODEFS, { root: dir }, dir);
}
pyodide.unpackArchive(new Uint8Array(await readFile(archive)), "zip", { extractDir: "/lrcalc" });
pyodide.globals.set("REPO", repo);
pyodide.globals.set("SITE_PACKAGES", sitePackages);
const summary = await pyodide.runPythonAsync(`
import json, os, sys
sys.path[:0] = ["/lrcalc"]
sys.path.append(SITE_PACKAGES)
os.environ["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
os.chdir(REPO)
import pytest

class Tally:
    def __init__(self):
        self.counts = {}
    def pytest_runtest_logreport(self, report):
        if report.when == "call" or report.outcome != "passed":
            self.counts[report.outcome] = self.counts.get(report.outcome, 0) + 1

tally = Tally()
code = pytest.main(["-q", "-p", "no:cacheprovider", "-p", "no:faulthandler", "tests/unit"], plugins=[tally])
import lrcalc
json.dumps({"exitcode": int(code), "counts": tally.counts, "python": sys.version, "platform": sys.platform, "lrcalc": lrcalc.__file__})
`);
console.log(summary);
process.exit(0);
