// Fails when src/schema.ts is not what openapi-typescript generates from
// api/openapi.yaml now: the spec and the client cannot part (make client-ts).
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const dir = mkdtempSync(join(tmpdir(), "phonelookup-schema-"));
try {
  const fresh = join(dir, "schema.ts");
  execFileSync(process.execPath, ["node_modules/openapi-typescript/bin/cli.js", "../../api/openapi.yaml", "-o", fresh], { stdio: ["ignore", "ignore", "inherit"] });
  if (readFileSync(fresh, "utf8") !== readFileSync("src/schema.ts", "utf8")) {
    console.error("clients/typescript/src/schema.ts is not generated from api/openapi.yaml: run `npm run generate` in clients/typescript and commit it");
    process.exit(1);
  }
  console.log("src/schema.ts is what openapi-typescript generates from api/openapi.yaml");
} finally {
  rmSync(dir, { recursive: true, force: true });
}
