import * as assert from "node:assert/strict";

import { needsRestart, toServerSettings } from "../../src/settings";

const from = (values: Record<string, unknown>) => (key: string) => values[key];

describe("toServerSettings", () => {
  it("maps VS Code settings onto the server's object", () => {
    const settings = toServerSettings(
      from({
        docstringStyle: "numpy",
        modelPath: " /models/team ",
        "hover.enabled": false,
        "hover.documented": true,
        maxSourceTokens: 96,
        threads: 2,
        "workspace.enabled": false,
        "workspace.exclude": ["generated/", 3],
        "docstring.modelDescriptions": false,
      }),
    );
    assert.deepEqual(settings, {
      docstringStyle: "numpy",
      modelPath: "/models/team",
      hover: { enabled: false, documented: true },
      maxSourceTokens: 96,
      threads: 2,
      workspace: { enabled: false, exclude: ["generated/"] },
      diagnostics: { enabled: true },
      docstring: { modelDescriptions: false },
    });
  });

  it("replaces missing or invalid values by the defaults", () => {
    const settings = toServerSettings(
      from({
        docstringStyle: "reST-ish",
        "hover.enabled": "yes",
        maxSourceTokens: 3,
        threads: -1,
        "workspace.exclude": "generated/",
      }),
    );
    assert.deepEqual(settings, {
      docstringStyle: "google",
      modelPath: "",
      hover: { enabled: true, documented: false },
      maxSourceTokens: null,
      threads: 0,
      workspace: { enabled: true, exclude: [] },
      diagnostics: { enabled: true },
      docstring: { modelDescriptions: true },
    });
  });

  it("restarts only for the interpreter", () => {
    assert.equal(needsRestart((s) => s === "hoverdoc.interpreter"), true);
    assert.equal(needsRestart((s) => s === "hoverdoc.docstringStyle"), false);
  });
});
