// Fails when Spectral reports an error, or a warning of a rule (or more of
// them) than accepted-warnings.json lists with its reason.
import { readFileSync } from "node:fs";

const results = JSON.parse(readFileSync(process.argv[2], "utf8"));
const accepted = JSON.parse(readFileSync(new URL("./accepted-warnings.json", import.meta.url), "utf8"));
const severity = ["error", "warning", "info", "hint"];
const counts = {};
let errors = 0;
for (const r of results) {
  if (r.severity === 0) {
    errors++;
    console.error(`error ${r.code} at ${r.path.join(".")}: ${r.message}`);
  } else if (r.severity === 1) {
    counts[r.code] = (counts[r.code] ?? 0) + 1;
  }
}
let unexpected = 0;
for (const [code, n] of Object.entries(counts)) {
  const allowed = accepted[code]?.count ?? 0;
  const status = n > allowed ? "NOT ACCEPTED" : "accepted";
  if (n > allowed) unexpected++;
  console.log(`${severity[1]} ${code}: ${n} (accepted up to ${allowed}) ${status}`);
}
console.log(`spectral: ${errors} errors, ${Object.values(counts).reduce((a, b) => a + b, 0)} warnings`);
if (errors > 0 || unexpected > 0) {
  console.error("lint failed: fix the errors, and fix new warnings or list them with a reason in openapi/lint/accepted-warnings.json");
  process.exit(1);
}
