#!/usr/bin/env node
// emulators.js starts local AWS emulators on 127.0.0.1 for phonelookup's
// `make run` and integration tests: dynalite (DynamoDB) and local-aws-sqs (SQS).
//
//   node emulators.js [--no-sqs] [--no-dynamodb]            print one JSON line with the
//                                                           endpoints, run until stdin closes
//                                                           or SIGTERM/SIGINT
//   node emulators.js [--no-sqs] -- COMMAND [ARGS...]       run COMMAND with AWS_ENDPOINT_URL_*,
//                                                           AWS_REGION and dummy credentials set,
//                                                           then stop; exit with its status
"use strict";
const path = require("path");
const { spawn } = require("child_process");

const root = path.resolve(__dirname, "..", "..");
const requireFromRoot = (name) => require(require.resolve(name, { paths: [root] }));

const argv = process.argv.slice(2);
const dash = argv.indexOf("--");
const flags = dash < 0 ? argv : argv.slice(0, dash);
const command = dash < 0 ? [] : argv.slice(dash + 1);
const host = "127.0.0.1";

function listen(server) {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, host, () => resolve(server));
  });
}

async function main() {
  const servers = [];
  const endpoints = {};
  if (!flags.includes("--no-dynamodb")) {
    const dynalite = requireFromRoot("dynalite");
    const server = await listen(dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 }));
    servers.push(server);
    endpoints.dynamodb = `http://${host}:${server.address().port}`;
  }
  if (!flags.includes("--no-sqs")) {
    // local-aws-sqs builds queue URLs from its options, so the port must be known
    // before it starts: reserve a free one, release it, and start there.
    const probe = await listen(require("http").createServer());
    const port = probe.address().port;
    await new Promise((r) => probe.close(r));
    const { createSqsServer } = requireFromRoot("local-aws-sqs");
    const server = await createSqsServer({ port, hostname: host, emulateQueueCreationLifecycle: false });
    servers.push(server);
    endpoints.sqs = `http://${host}:${port}`;
  }

  // A client that resets a connection mid-answer (the fault tests cut
  // connections on purpose) must not take an emulator down: dynalite writes
  // to such sockets without an error listener. Only those errors are ignored.
  process.on("uncaughtException", (err) => {
    if (err && (err.code === "ECONNRESET" || err.code === "EPIPE" || err.code === "ERR_STREAM_DESTROYED")) return;
    console.error(`emulators: ${err && err.stack ? err.stack : err}`);
    process.exit(1);
  });
  for (const s of servers) s.on("clientError", (err, socket) => socket.destroy());

  let stopping = false;
  const stop = (code) => {
    if (stopping) return;
    stopping = true;
    for (const s of servers) {
      if (s.closeAllConnections) s.closeAllConnections();
      s.close();
    }
    process.exit(code);
  };
  process.on("SIGTERM", () => stop(0));
  process.on("SIGINT", () => stop(130));

  if (command.length === 0) {
    process.stdout.write(JSON.stringify(endpoints) + "\n");
    process.stdin.resume();
    process.stdin.on("end", () => stop(0));
    process.stdin.on("error", () => stop(0));
    return;
  }
  const env = {
    ...process.env,
    AWS_REGION: process.env.AWS_REGION || "us-east-1",
    AWS_ACCESS_KEY_ID: "local",
    AWS_SECRET_ACCESS_KEY: "local",
    AWS_EC2_METADATA_DISABLED: "true",
  };
  delete env.AWS_PROFILE;
  delete env.AWS_SESSION_TOKEN;
  if (endpoints.dynamodb) env.AWS_ENDPOINT_URL_DYNAMODB = endpoints.dynamodb;
  if (endpoints.sqs) env.AWS_ENDPOINT_URL_SQS = endpoints.sqs;
  const child = spawn(command[0], command.slice(1), { stdio: "inherit", env });
  child.on("exit", (code, signal) => stop(code === null ? 1 : code));
  child.on("error", (err) => {
    console.error(`emulators: ${err.message}`);
    stop(127);
  });
}

main().catch((err) => {
  console.error(`emulators: ${err && err.stack ? err.stack : err}`);
  process.exit(1);
});
