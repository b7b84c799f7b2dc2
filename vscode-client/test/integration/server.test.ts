// Starts the real Python server through the extension's own launch code and asks for a hover over
// plain JSON-RPC (vscode-languageclient/node needs VS Code, so vscode-jsonrpc stands in for it).
import * as assert from "node:assert/strict";
import { ChildProcess, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { pathToFileURL } from "node:url";

import { createMessageConnection, MessageConnection, StreamMessageReader, StreamMessageWriter } from "vscode-jsonrpc/node";

import { defaultPython } from "../../src/interpreter";
import { serverCommand } from "../../src/serverCommand";

const python = process.env.HOVERDOC_PYTHON || defaultPython(process.platform);

describe("the real server, launched like the extension does", function () {
  this.timeout(90_000);
  let child: ChildProcess;
  let connection: MessageConnection;
  let folder: string;

  before(async () => {
    folder = fs.mkdtempSync(path.join(os.tmpdir(), "hoverdoc-it-"));
    fs.writeFileSync(
      path.join(folder, "orders.py"),
      "def count_order_total(records, value):\n    matches = [r for r in records if r.total == value]\n    return len(matches)\n\n\nresult = count_order_total([], 1)\n",
    );
    const command = serverCommand(python);
    child = spawn(command.command, command.args, {
      cwd: folder,
      env: { ...process.env, HOVERDOC_CACHE_DIR: path.join(folder, "cache") },
    });
    child.stderr?.on("data", () => undefined);
    connection = createMessageConnection(new StreamMessageReader(child.stdout!), new StreamMessageWriter(child.stdin!));
    connection.onRequest("workspace/configuration", () => [{}]);
    connection.onRequest("window/workDoneProgress/create", () => null);
    connection.onRequest("client/registerCapability", () => null);
    connection.listen();
    await connection.sendRequest("initialize", {
      processId: process.pid,
      rootUri: pathToFileURL(folder).toString(),
      capabilities: { workspace: { configuration: true }, window: { workDoneProgress: true } },
    });
    await connection.sendNotification("initialized", {});
  });

  after(async () => {
    await connection.sendRequest("shutdown").catch(() => undefined);
    await connection.sendNotification("exit").catch(() => undefined);
    connection.dispose();
    child.kill();
  });

  it("answers a hover on a call site with the function's summary", async () => {
    const uri = pathToFileURL(path.join(folder, "orders.py")).toString();
    const text = fs.readFileSync(path.join(folder, "orders.py"), "utf8");
    await connection.sendNotification("textDocument/didOpen", {
      textDocument: { uri, languageId: "python", version: 1, text },
    });
    const hover = (await connection.sendRequest("textDocument/hover", {
      textDocument: { uri },
      position: { line: 5, character: 12 },
    })) as { contents: { kind: string; value: string } } | null;
    assert.ok(hover, "a hover came back");
    assert.equal(hover.contents.kind, "markdown");
    assert.match(hover.contents.value, /def count_order_total\(records, value\)/);
    assert.match(hover.contents.value, /hoverdoc · (generated summary|fallback)/);
  });
});
