# The calculator's first request (the default inputs), answered by lrcalc under PyScript.
import json
import sys

sys.path.insert(0, "./lrcalc-package")

import lrcalc.web  # noqa: E402 - after the path is set
from lrcalc.page import State  # noqa: E402
from pyscript import document, window  # noqa: E402

request = {"type": "view", "state": State().to_page(), "page_url": str(window.location.href)}  # the worker's own request
reply = json.loads(lrcalc.web.handle(json.dumps(request)))
document.getElementById("out-current_lr").textContent = reply["results"][0]["text"]
document.documentElement.dataset.state = "ready"
window.performance.mark("lrcalc-ready")
