// Compiles every ```ts block of docs/ADMIN-API.md against the built package
// (make check-ts): each block is a module of its own that imports
// @phonelookup/client by name, as the admin app does.
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";

const guide = readFileSync("../../docs/ADMIN-API.md", "utf8");
const blocks = [...guide.matchAll(/^```ts\n([\s\S]*?)^```$/gm)].map((m) => m[1]);
if (blocks.length === 0) {
  console.error("docs/ADMIN-API.md has no ```ts block");
  process.exit(1);
}
rmSync("build/docs", { recursive: true, force: true });
mkdirSync("build/docs", { recursive: true });
blocks.forEach((code, i) => writeFileSync(`build/docs/block${i + 1}.ts`, code));
writeFileSync(
  "build/docs/tsconfig.json",
  JSON.stringify({
    compilerOptions: { target: "ES2022", lib: ["ES2022", "DOM"], types: ["node"], strict: true, noEmit: true, module: "NodeNext", moduleResolution: "NodeNext" },
    include: ["*.ts"],
  }),
);
execFileSync(process.execPath, ["node_modules/typescript/bin/tsc", "-p", "build/docs"], { stdio: "inherit" });
console.log(`docs/ADMIN-API.md: ${blocks.length} TypeScript blocks compile against @phonelookup/client`);
