import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

import {
  bundledWheel,
  environmentPython,
  firstSupportedPython,
  importStrategy,
  installCommand,
  isCurrent,
  parseDigest,
  isSupportedVersion,
  parseStamp,
  pythonCandidates,
  sha256OfFile,
  venvCommand,
} from "../../src/environment";

describe("private environment", () => {
  it("defaults to the bundled strategy", () => {
    assert.equal(importStrategy(undefined), "useBundled");
    assert.equal(importStrategy("nonsense"), "useBundled");
    assert.equal(importStrategy("fromEnvironment"), "fromEnvironment");
  });

  it("lives in its folder with the platform's layout", () => {
    assert.equal(environmentPython("/s/env", "linux"), "/s/env/bin/python");
    assert.match(environmentPython("C:\\s\\env", "win32"), /Scripts[\\/]python\.exe$/);
  });

  it("tries the chosen Python first, then the usual names, once each", () => {
    const candidates = pythonCandidates("python3", "linux");
    assert.equal(candidates[0], "python3");
    assert.equal(new Set(candidates).size, candidates.length);
    assert.ok(candidates.includes("python3.10"));
    assert.deepEqual(pythonCandidates(undefined, "win32"), ["py", "python"]);
  });

  it("needs Python 3.10 or later", () => {
    assert.ok(isSupportedVersion("3.10\n") && isSupportedVersion("3.13") && isSupportedVersion("4.0"));
    assert.ok(!isSupportedVersion("3.9") && !isSupportedVersion("2.7") && !isSupportedVersion("garbage"));
  });

  it("takes the first Python 3.10 or later, else names every one it tried", async () => {
    const versions: Record<string, string> = { "/opt/py39": "3.9", python3: "3.11", "python3.12": "3.12" };
    const versionOf = async (python: string) => versions[python];
    assert.deepEqual(await firstSupportedPython(["/missing", "/opt/py39", "python3", "python3.12"], versionOf), {
      python: "python3",
    });
    const none = await firstSupportedPython(["/missing", "/opt/py39"], versionOf);
    assert.ok("problem" in none);
    assert.equal(
      none.problem,
      "no Python 3.10 or later was found (tried /missing, /opt/py39 (3.9)); install one, or name it in hoverdoc.interpreter",
    );
  });

  it("installs the wheel from the index, or only from a wheelhouse", () => {
    assert.deepEqual(venvCommand("python3", "/s/env").args, ["-m", "venv", "/s/env"]);
    const online = installCommand("/s/env/bin/python", "/x/hoverdoc-0.1.0-py3-none-any.whl");
    assert.deepEqual(online.args.slice(-1), ["/x/hoverdoc-0.1.0-py3-none-any.whl"]);
    assert.ok(!online.args.includes("--no-index"));
    const offline = installCommand("/s/env/bin/python", "/x/h.whl", "/wheels");
    assert.deepEqual(offline.args.slice(-4), ["--no-index", "--find-links", "/wheels", "/x/h.whl"]);
  });

  it("finds the bundled wheel and knows when an upgrade must reinstall it", () => {
    assert.equal(bundledWheel(["README.md", "hoverdoc-0.1.0-py3-none-any.whl"]), "hoverdoc-0.1.0-py3-none-any.whl");
    assert.equal(bundledWheel(["other-1.0-py3-none-any.whl"]), undefined);
    const wheel = "hoverdoc-0.1.0-py3-none-any.whl";
    const [a, b] = ["a".repeat(64), "b".repeat(64)];
    const stamp = parseStamp(`{"extension": "0.1.0", "wheel": "${wheel}", "sha256": "${a}"}`);
    assert.ok(isCurrent(stamp, "0.1.0", wheel, a));
    assert.ok(!isCurrent(stamp, "0.2.0", "hoverdoc-0.2.0-py3-none-any.whl", a));
    assert.ok(!isCurrent(stamp, "0.1.0", wheel, b)); // rebuilt under the same name and version
    assert.ok(!isCurrent(parseStamp(`{"extension": "0.1.0", "wheel": "${wheel}", "bytes": 1000}`), "0.1.0", wheel, a)); // older stamp
    assert.ok(!isCurrent(parseStamp("{broken"), "0.1.0", wheel, a));
  });

  it("digests a wheel with no digest file beside it, and rejects a missing one", async () => {
    const folder = fs.mkdtempSync(path.join(os.tmpdir(), "hoverdoc-digest-"));
    try {
      const wheel = path.join(folder, "hoverdoc-0.1.0-py3-none-any.whl");
      fs.writeFileSync(wheel, "abc");
      assert.equal(await sha256OfFile(wheel), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
      await assert.rejects(sha256OfFile(path.join(folder, "missing.whl")), /ENOENT/);
    } finally {
      fs.rmSync(folder, { recursive: true });
    }
  });

  it("reads the wheel's digest file as sha256sum writes it", () => {
    const digest = "0123456789abcdef".repeat(4);
    assert.equal(parseDigest(`${digest}\n`), digest);
    assert.equal(parseDigest(`${digest.toUpperCase()}  hoverdoc-0.1.0-py3-none-any.whl\n`), digest);
    assert.equal(parseDigest(digest.slice(1)), undefined);
    assert.equal(parseDigest(""), undefined);
  });
});
