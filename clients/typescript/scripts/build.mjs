// Builds the package: dist/esm (ES modules) and dist/cjs (CommonJS), each
// with its .d.ts, and the tests (build/test), which import the package by
// its name as an application does.
import { execFileSync } from "node:child_process";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";

const tsc = (project) => execFileSync(process.execPath, ["node_modules/typescript/bin/tsc", "-p", project], { stdio: "inherit" });
rmSync("dist", { recursive: true, force: true });
rmSync("build", { recursive: true, force: true });
tsc("tsconfig.json");
tsc("tsconfig.cjs.json");
mkdirSync("dist/cjs", { recursive: true });
writeFileSync("dist/cjs/package.json", '{"type":"commonjs"}\n');
tsc("tsconfig.test.json");
console.log("built dist/esm, dist/cjs and build/test");
