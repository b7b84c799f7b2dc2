import * as assert from "node:assert/strict";

import { installCommand, missingPackageMessage } from "../../src/messages";

describe("missing package message", () => {
  it("names the interpreter and the exact pip command", () => {
    const missing = missingPackageMessage("/usr/bin/python3", "ModuleNotFoundError: No module named 'hoverdoc'");
    assert.equal(
      missing.message,
      "hoverdoc: hoverdoc is not installed in /usr/bin/python3. Install it with: /usr/bin/python3 -m pip install hoverdoc",
    );
    assert.equal(missing.installCommand, "/usr/bin/python3 -m pip install hoverdoc");
  });

  it("says when the interpreter itself is missing", () => {
    assert.match(missingPackageMessage("/nope/python", "spawn /nope/python ENOENT").message, /interpreter was not found/);
  });

  it("quotes paths with spaces", () => {
    assert.equal(installCommand("C:\\Program Files\\Python\\python.exe"), '"C:\\Program Files\\Python\\python.exe" -m pip install hoverdoc');
  });
});
