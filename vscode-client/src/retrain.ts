// "hoverdoc: Retrain on This Workspace": runs `hoverdoc retrain` with progress, then reloads the model.
import { execFile, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as vscode from "vscode";

import { trainingExtrasCommand, trainingExtrasMessage } from "./messages";
import { supportsSafePath } from "./server";
import { NEUTRAL_CWD, retrainCommand } from "./serverCommand";

/** Whether the interpreter has what training needs (the private environment has only serving's). */
function canTrain(python: string): Promise<boolean> {
  return new Promise((resolve) => {
    execFile(python, ["-c", "import torch, transformers, peft, optimum"], { timeout: 60_000, cwd: NEUTRAL_CWD }, (error) =>
      resolve(!error),
    );
  });
}

/** The folder to retrain on: the only one, or the one the user picks in a multi-root workspace. */
async function chooseFolder(): Promise<string | undefined> {
  const folders = vscode.workspace.workspaceFolders ?? [];
  if (folders.length <= 1) {
    return folders[0]?.uri.fsPath;
  }
  const picked = await vscode.window.showWorkspaceFolderPick({ placeHolder: "hoverdoc: retrain on which folder?" });
  return picked?.uri.fsPath;
}

const SEARCH_BUDGET = "20m";

/** Fixed settings (minutes), or a search of methods and settings within SEARCH_BUDGET; undefined: dismissed. */
async function chooseMode(): Promise<string | null | undefined> {
  const picked = await vscode.window.showQuickPick(
    [
      { label: "Retrain", description: "LoRA with the default settings", budget: null },
      {
        label: "Search and retrain",
        description: `try methods and settings for ${SEARCH_BUDGET}, keep the best (Optuna)`,
        budget: SEARCH_BUDGET,
      },
    ],
    { placeHolder: "hoverdoc: how to retrain?" },
  );
  return picked ? picked.budget : undefined;
}

export async function retrainWorkspace(python: string, output: vscode.LogOutputChannel): Promise<boolean> {
  const folder = await chooseFolder();
  if (!folder && (vscode.workspace.workspaceFolders?.length ?? 0) > 1) {
    return false; // the pick was dismissed
  }
  if (!folder) {
    void vscode.window.showWarningMessage("hoverdoc: open a folder to retrain on it.");
    return false;
  }
  if (!vscode.workspace.isTrusted) {
    void vscode.window.showWarningMessage("hoverdoc: trust this workspace to retrain on it (its model is ignored until then).");
    return false;
  }
  if (!(await canTrain(python))) {
    const message = trainingExtrasMessage(python);
    output.warn(message);
    const choice = await vscode.window.showWarningMessage(message, "Copy Command");
    if (choice === "Copy Command") {
      await vscode.env.clipboard.writeText(trainingExtrasCommand(python));
    }
    return false;
  }
  const budget = await chooseMode();
  if (budget === undefined) {
    return false;
  }
  const report = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "hoverdoc-")), "retrain.json");
  const command = retrainCommand(python, folder, report, await supportsSafePath(python), budget ?? undefined);
  output.show(true);
  output.info(`$ ${command.command} ${command.args.join(" ")}`);
  return vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: "hoverdoc: retraining", cancellable: true },
    (progress, token) =>
      new Promise<boolean>((resolve) => {
        // the folder is passed as an argument; the process runs elsewhere so workspace files cannot shadow modules
        const child = spawn(command.command, command.args, { cwd: NEUTRAL_CWD });
        token.onCancellationRequested(() => child.kill("SIGINT")); // the installed model stays as it was
        const relay = (chunk: Buffer) => {
          for (const line of chunk.toString().split(/\r?\n/)) {
            if (line.trim()) {
              output.info(line);
              const stage = /^\[(\d+)\/(\d+)\]\s*(.*)$/.exec(line.trim());
              const trial = /^trial \d+: .*/.exec(line.trim());
              if (stage || trial) {
                progress.report({ message: stage ? stage[3] : trial![0].slice(0, 100) });
              }
            }
          }
        };
        child.stdout.on("data", relay);
        child.stderr.on("data", relay);
        child.on("error", (error) => {
          output.error(`retrain could not start: ${error.message}`);
          resolve(false);
        });
        child.on("close", (code) => {
          if (code === 0) {
            void vscode.window
              .showInformationMessage("hoverdoc: retrained; the workspace model is in use.", "Show Report")
              .then((choice) => choice && vscode.window.showTextDocument(vscode.Uri.file(report)));
            resolve(true);
          } else {
            void vscode.window.showWarningMessage(`hoverdoc: retrain stopped (exit code ${code}); see the output.`);
            resolve(false);
          }
        });
      }),
  );
}
