// Checks that every TypeScript file the guide shows is in docs/PRODUCERS.md
// verbatim, as a ```ts block, so that what make check-ts compiles is what
// producers copy.
import { readFileSync } from "node:fs";

const guide = readFileSync(new URL("../PRODUCERS.md", import.meta.url), "utf8");
let failed = false;
for (const f of ["cjs/validate.ts", "esm/validate.ts", "ordercommitted.ts"]) {
  const code = readFileSync(new URL(f, import.meta.url), "utf8").trimEnd();
  if (!guide.includes("```ts\n" + code + "\n```")) {
    console.error(`docs/PRODUCERS.md lacks docs/producers-ts/${f} as a \`\`\`ts block`);
    failed = true;
  }
}
if (failed) process.exit(1);
console.log("docs/PRODUCERS.md shows the checked TypeScript");
