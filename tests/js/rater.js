// A minimal DOM for the test page's script: elements by id, a Blob URL, key events.
const els = {};
const listeners = {};
global.document = {
  getElementById: (id) => (els[id] = els[id] || { id, style: {}, hidden: false, textContent: "", value: "R1" }),
  addEventListener: (kind, f) => { listeners[kind] = f; },
};
global.Blob = class { constructor(parts) { this.text = parts.join(""); } };
global.URL = { createObjectURL: (b) => "blob:" + b.text };
global.setTimeout = () => 0;
global.clearTimeout = () => {};
const fs = require("fs");
eval(fs.readFileSync(process.argv[2], "utf8"));
els.start.onclick();
const keys = process.argv[3].split(",");
for (const k of keys) {
  if (k === "L") listeners.keydown({ key: "ArrowLeft" });
  else if (k === "R") listeners.keydown({ key: "ArrowRight" });
  else if (k === "bl") els.bl.onclick();
  else els.br.onclick();
}
process.stdout.write(els.save.href.slice(5));
