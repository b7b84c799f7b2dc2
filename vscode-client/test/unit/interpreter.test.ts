import * as assert from "node:assert/strict";

import { chooseInterpreter, defaultPython } from "../../src/interpreter";

describe("chooseInterpreter", () => {
  it("prefers the hoverdoc.interpreter setting", async () => {
    const choice = await chooseInterpreter({
      configured: " /opt/venv/bin/python ",
      pythonExtension: async () => "/usr/bin/python3.12",
      platform: "linux",
    });
    assert.deepEqual(choice, { path: "/opt/venv/bin/python", source: "setting" });
  });

  it("falls back to the Python extension's active interpreter", async () => {
    const choice = await chooseInterpreter({
      configured: "",
      pythonExtension: async () => "/home/me/.venv/bin/python",
      platform: "linux",
    });
    assert.deepEqual(choice, { path: "/home/me/.venv/bin/python", source: "python-extension" });
  });

  it("uses python3 on PATH when there is neither, or the Python extension fails", async () => {
    const none = await chooseInterpreter({ configured: undefined, pythonExtension: async () => undefined, platform: "linux" });
    assert.deepEqual(none, { path: "python3", source: "path" });
    const broken = await chooseInterpreter({
      configured: undefined,
      pythonExtension: async () => {
        throw new Error("extension crashed");
      },
      platform: "darwin",
    });
    assert.deepEqual(broken, { path: "python3", source: "path" });
  });

  it("knows Windows calls it python", () => {
    assert.equal(defaultPython("win32"), "python");
    assert.equal(defaultPython("linux"), "python3");
  });
});
