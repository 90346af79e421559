// The calculator's defaults (exponential decay from 0.01 at 0.95 per epoch, 100 epochs, read at
// epoch 30) in plain JavaScript: the same arithmetic, four results and the curve, answered again on
// each edit of the epoch or the schedule (the first-edit measure).
const $ = (id) => document.getElementById(id);
const initial = 0.01;
const total = 100;
const text = (value) => String(Number(value.toPrecision(4)));

function draw() {
  const epoch = Number($("current_epoch").value);
  const lr = $("schedule").value === "step" ? (t) => initial * 0.5 ** Math.floor(t / 25) : (t) => initial * 0.95 ** t;
  const results = {
    current_lr: lr(epoch),
    decay_factor: lr(epoch) / initial,
    next_lr: lr(epoch + 1),
    first_lr: lr(1),
  };
  for (const [id, value] of Object.entries(results)) $(`out-${id}`).textContent = text(value);
  const canvas = $("chart");
  const context = canvas.getContext("2d");
  context.clearRect(0, 0, canvas.width, canvas.height);
  context.beginPath();
  for (let t = 0; t < total; t++) {
    const x = (t / (total - 1)) * canvas.width;
    const y = canvas.height * (1 - lr(t) / initial);
    if (t === 0) context.moveTo(x, y);
    else context.lineTo(x, y);
  }
  context.stroke();
}

draw();
for (const id of ["current_epoch", "schedule"]) $(id).addEventListener("input", draw);
document.documentElement.dataset.state = "ready";
performance.mark("lrcalc-ready");
