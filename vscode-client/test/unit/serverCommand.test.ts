import * as assert from "node:assert/strict";

import { importCheckCommand, retrainCommand, serverCommand } from "../../src/serverCommand";

describe("command lines", () => {
  it("starts the server as <python> -m hoverdoc.server", () => {
    assert.deepEqual(serverCommand("/venv/bin/python"), { command: "/venv/bin/python", args: ["-m", "hoverdoc.server"] });
  });

  it("checks the import without starting anything", () => {
    const check = importCheckCommand("python3");
    assert.equal(check.command, "python3");
    assert.equal(check.args[0], "-c");
    assert.match(check.args[1], /^import hoverdoc\.server as m/);
  });

  it("runs retrain on the workspace folder with a JSON report", () => {
    assert.deepEqual(retrainCommand("py", "/ws", "/tmp/r.json"), {
      command: "py",
      args: ["-m", "hoverdoc.core.cli", "retrain", "/ws", "--json", "/tmp/r.json"],
    });
    assert.deepEqual(retrainCommand("py", "/ws", "/tmp/r.json", true, "20m").args.slice(0, 1), ["-P"]);
    assert.deepEqual(retrainCommand("py", "/ws", "/tmp/r.json", false, "20m").args.slice(-3), ["--search", "--budget", "20m"]);
  });
});
