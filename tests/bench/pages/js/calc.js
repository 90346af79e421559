// The calculator's defaults (exponential decay from 0.01 at 0.95 per epoch, 100 epochs, read at
// epoch 30) in plain JavaScript: the same arithmetic, four results and the curve.
const initial = 0.01;
const rate = 0.95;
const total = 100;
const epoch = 30;
const lr = (t) => initial * rate ** t;
const text = (value) => String(Number(value.toPrecision(4)));
const results = {
  current_lr: lr(epoch),
  decay_factor: lr(epoch) / initial,
  next_lr: lr(epoch + 1),
  first_lr: lr(1),
};
for (const [id, value] of Object.entries(results)) document.getElementById(`out-${id}`).textContent = text(value);
const canvas = document.getElementById("chart");
const context = canvas.getContext("2d");
context.beginPath();
for (let t = 0; t < total; t++) {
  const x = (t / (total - 1)) * canvas.width;
  const y = canvas.height * (1 - lr(t) / initial);
  if (t === 0) context.moveTo(x, y);
  else context.lineTo(x, y);
}
context.stroke();
document.documentElement.dataset.state = "ready";
performance.mark("lrcalc-ready");
