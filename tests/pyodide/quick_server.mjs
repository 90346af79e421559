// The page's quick.js, answering over stdin/stdout for tests/pyodide/test_quick.py: one JSON request
// per line ({"answer": state}, {"lr": [numbers]} or {"power": [[x, n], ...]}), one JSON reply per line. Node imports the module
// as the page does (an ES module), from the file the test wrote.
import { createInterface } from "node:readline";
import { pathToFileURL } from "node:url";

const quick = await import(pathToFileURL(process.argv[2]).href);
const lines = createInterface({ input: process.stdin });
for await (const line of lines) {
  const request = JSON.parse(line);
  let reply;
  try {
    if ("answer" in request) reply = quick.answer(request.answer);
    else if ("power" in request) reply = request.power.map(([x, n]) => quick.powerOf(x, n));
    else reply = request.lr.map(quick.lrText);
  } catch (error) {
    reply = { thrown: String(error && error.stack) };
  }
  process.stdout.write(JSON.stringify(reply) + "\n");
}
