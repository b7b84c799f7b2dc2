import * as assert from "node:assert/strict";

import {
  brokenEnvironmentMessage,
  fallbackDocstringsMessage,
  missingPackageMessage,
  serverFailedMessage,
  SET_UP,
  setupNeededMessage,
  trainingExtrasCommand,
  trainingExtrasMessage,
} from "../../src/messages";
import { importCheckCommand } from "../../src/serverCommand";

describe("messages", () => {
  it("names the interpreter and offers the set-up, never a pip command that cannot work", () => {
    const message = missingPackageMessage("/usr/bin/python3", "ModuleNotFoundError: No module named 'hoverdoc'");
    assert.match(message, /^hoverdoc: hoverdoc is not installed in \/usr\/bin\/python3\./);
    assert.ok(message.includes(`"${SET_UP}"`));
    assert.ok(!message.includes("pip install hoverdoc"));
  });

  it("names the packages an environment lacks, and only when the check said so", () => {
    const script = importCheckCommand("/e/bin/python").args[1];
    const failed = (stderr: string) => `${stderr} Command failed: /e/bin/python -c ${script}\n${stderr}`;
    const notInstalled = failed("ModuleNotFoundError: No module named 'hoverdoc'\n");
    assert.match(missingPackageMessage("/e/bin/python", notInstalled), /hoverdoc is not installed in/);
    const detail = failed("hoverdoc is missing the packages onnxruntime, tokenizers\n");
    assert.match(missingPackageMessage("/e/bin/python", detail), /hoverdoc is missing the packages onnxruntime, tokenizers in \/e\/bin\/python\./);
  });

  it("says when docstrings were written without a model", () => {
    assert.match(fallbackDocstringsMessage(1), /no model was ready .* the new docstring's summary line came from the name/);
    assert.match(fallbackDocstringsMessage(3), /3 new docstrings' summary lines came from the name/);
  });

  it("says when the interpreter itself is missing", () => {
    assert.match(missingPackageMessage("/nope/python", "spawn /nope/python ENOENT"), /interpreter was not found/);
  });

  it("offers the set-up when the private environment is missing or broken", () => {
    assert.ok(setupNeededMessage().includes(SET_UP));
    assert.match(brokenEnvironmentMessage("/home/u/env"), /\/home\/u\/env is broken\. "Set up hoverdoc" recreates it/);
  });

  it("sends a server that failed in a sound environment to its log, not to a set-up", () => {
    assert.match(serverFailedMessage(), /stopped during start-up\. The output has its log/);
    assert.doesNotMatch(serverFailedMessage(), new RegExp(SET_UP));
  });

  it("says how to add the training extras, torch as a CPU build", () => {
    const command = trainingExtrasCommand("/home/u/My Env/bin/python");
    assert.ok(command.startsWith('"/home/u/My Env/bin/python" -m pip install torch --index-url https://download.pytorch.org/whl/cpu'));
    assert.ok(command.endsWith('-m pip install "hoverdoc[train]"'));
    assert.ok(trainingExtrasMessage("/e/bin/python").includes(trainingExtrasCommand("/e/bin/python")));
  });
});
