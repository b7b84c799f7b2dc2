// Entry point: start the server for Python files and wire the commands. Nothing else runs at start-up.
import * as vscode from "vscode";

import { fallbackDocstringsMessage } from "./messages";
import { onInterpreterChange } from "./pythonExtension";
import { retrainWorkspace } from "./retrain";
import { ServerManager } from "./server";
import { needsRestart } from "./settings";
import { PrivateEnvironment } from "./setup";
import { StatusItem } from "./status";

let manager: ServerManager | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  const output = vscode.window.createOutputChannel("hoverdoc", { log: true });
  const status = new StatusItem();
  manager = new ServerManager(output, status, new PrivateEnvironment(context, output));
  const server = manager;
  context.subscriptions.push(output, status, server);

  const editorArgs = (): [string, { line: number; character: number }] | undefined => {
    const editor = vscode.window.activeTextEditor;
    if (!editor || editor.document.languageId !== "python") {
      return undefined;
    }
    const position = editor.selection.active;
    return [editor.document.uri.toString(), { line: position.line, character: position.character }];
  };

  context.subscriptions.push(
    vscode.commands.registerCommand("hoverdoc.editor.generateDocstring", async () => {
      const args = editorArgs();
      if (args) {
        const result = (await server.executeServerCommand("hoverdoc.generateDocstring", args)) as
          | { applied: boolean; reason?: string; fallback?: boolean }
          | undefined;
        if (result && !result.applied && result.reason) {
          void vscode.window.setStatusBarMessage(`hoverdoc: ${result.reason}`, 4000);
        } else if (result?.applied && result.fallback) {
          void vscode.window.showInformationMessage(fallbackDocstringsMessage(1));
        }
      }
    }),
    vscode.commands.registerCommand("hoverdoc.editor.documentFile", async () => {
      const args = editorArgs();
      if (args) {
        const result = (await server.executeServerCommand("hoverdoc.documentFile", [args[0]])) as
          | { applied: boolean; fallbacks?: number }
          | undefined;
        if (result?.applied && result.fallbacks) {
          void vscode.window.showInformationMessage(fallbackDocstringsMessage(result.fallbacks));
        }
      }
    }),
    vscode.commands.registerCommand("hoverdoc.editor.reloadModel", () =>
      server.executeServerCommand("hoverdoc.reloadModel", []),
    ),
    vscode.commands.registerCommand("hoverdoc.restartServer", () => server.restart()),
    vscode.commands.registerCommand("hoverdoc.setUpEnvironment", () => server.setUpAndStart()),
    vscode.commands.registerCommand("hoverdoc.showOutput", () => output.show()),
    vscode.commands.registerCommand("hoverdoc.retrainWorkspace", async () => {
      const python = server.serverPython;
      if (python && (await retrainWorkspace(python, output))) {
        await server.executeServerCommand("hoverdoc.reloadModel", []);
      }
    }),
    // trusting the workspace lifts restricted mode: restart so the server may use the workspace's model
    vscode.workspace.onDidGrantWorkspaceTrust(() => server.scheduleRestart()),
    vscode.workspace.onDidChangeConfiguration((event) => {
      if (needsRestart((section) => event.affectsConfiguration(section))) {
        server.scheduleRestart();
      }
    }),
  );
  const pythonChanged = await onInterpreterChange(() => {
    if (server.interpreter?.source !== "setting") {
      server.scheduleRestart();
    }
  }).catch(() => undefined);
  if (pythonChanged) {
    context.subscriptions.push(pythonChanged);
  }
  await server.start();
}

export async function deactivate(): Promise<void> {
  await manager?.stop();
}
