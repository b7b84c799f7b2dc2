import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

import { importCheckCommand, retrainCommand, serverCommand, startImportCheckCommand } from "../../src/serverCommand";

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

  /** A folder holding a stand-in hoverdoc whose server module runs `serverSource` when imported. */
  function standIn(serverSource = ""): string {
    const site = fs.mkdtempSync(path.join(os.tmpdir(), "hoverdoc-check-"));
    fs.mkdirSync(path.join(site, "hoverdoc", "server"), { recursive: true });
    fs.mkdirSync(path.join(site, "hoverdoc", "core"), { recursive: true });
    for (const init of ["__init__.py", "server/__init__.py", "core/__init__.py", "core/runtime.py"]) {
      fs.writeFileSync(path.join(site, "hoverdoc", init), "");
    }
    fs.writeFileSync(path.join(site, "hoverdoc", "server", "server.py"), serverSource);
    return site;
  }

  /** Run `check` with python3, the stand-in `site` first on its path; the folder is removed after. */
  function runWith(site: string, check: { command: string; args: string[] }): { status: number | null; stdout: string; stderr: string } {
    const script = `import sys; sys.path.insert(0, ${JSON.stringify(site)}); exec(${JSON.stringify(check.args[1])})`;
    const result = spawnSync("python3", ["-I", "-c", script], { encoding: "utf8" });
    fs.rmSync(site, { recursive: true, force: true });
    return { status: result.status, stdout: result.stdout, stderr: result.stderr };
  }

  it("after a failed start, tells an environment that cannot load the server's imports from one that can", () => {
    assert.equal(runWith(standIn(), startImportCheckCommand("python3")).status, 0);
    const broken = runWith(standIn("import onnxruntime_surely_not_here\n"), startImportCheckCommand("python3"));
    assert.equal(broken.status, 1);
    assert.match(broken.stderr, /No module named 'onnxruntime_surely_not_here'/);
  });

  /** Run the check with python3 on a folder holding a stand-in hoverdoc that requires `requires`. */
  function runCheck(requires: string[]): { status: number | null; stdout: string; stderr: string } {
    const site = standIn();
    const info = path.join(site, "hoverdoc-0.1.0.dist-info");
    fs.mkdirSync(info);
    const metadata = ["Metadata-Version: 2.1", "Name: hoverdoc", "Version: 0.1.0", ...requires.map((r) => `Requires-Dist: ${r}`)];
    fs.writeFileSync(path.join(info, "METADATA"), metadata.join("\n") + "\n");
    const dependency = path.join(site, "hoverdoc_test_dependency-1.0.dist-info"); // an installed requirement
    fs.mkdirSync(dependency);
    fs.writeFileSync(path.join(dependency, "METADATA"), "Metadata-Version: 2.1\nName: hoverdoc-test-dependency\nVersion: 1.0\n");
    // a module another distribution provides (as onnxruntime-gpu provides onnxruntime)
    fs.mkdirSync(path.join(site, "hoverdoc_test_module"));
    fs.writeFileSync(path.join(site, "hoverdoc_test_module", "__init__.py"), "");
    return runWith(site, importCheckCommand("python3"));
  }

  it("passes an environment that has what hoverdoc requires, extras aside", () => {
    const result = runCheck(["hoverdoc-test-dependency>=1", "hoverdoc-test-module>=1", 'torch>=2; extra == "train"']);
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, /hoverdoc[\\/]server[\\/]__init__\.py$/);
  });

  it("fails an environment that lost a package hoverdoc requires, naming it", () => {
    const result = runCheck(["hoverdoc-test-dependency>=1", "surely-not-installed-package>=1"]);
    assert.equal(result.status, 1);
    assert.match(result.stderr, /hoverdoc is missing the packages surely-not-installed-package/);
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
