// Starting, stopping and restarting the language server process.
import { execFile } from "node:child_process";
import * as vscode from "vscode";
import {
  ExecuteCommandRequest,
  LanguageClient,
  LanguageClientOptions,
  RevealOutputChannelOn,
  ServerOptions,
  TransportKind,
} from "vscode-languageclient/node";

import { chooseInterpreter, InterpreterChoice } from "./interpreter";
import { missingPackageMessage } from "./messages";
import { activeInterpreter } from "./pythonExtension";
import { importCheckCommand, NEUTRAL_CWD, safePathCheckCommand, serverCommand } from "./serverCommand";
import { toServerSettings } from "./settings";
import { ServerStatus, StatusItem } from "./status";

/** Whether `python -P` works (3.11+): then the server starts with the current folder off sys.path. */
export function supportsSafePath(python: string): Promise<boolean> {
  const check = safePathCheckCommand(python);
  return new Promise((resolve) => {
    execFile(check.command, check.args, { timeout: 30_000, cwd: NEUTRAL_CWD }, (error) => resolve(!error));
  });
}

export class ServerManager implements vscode.Disposable {
  private client: LanguageClient | undefined;
  private restartTimer: NodeJS.Timeout | undefined;
  private warnedFor: string | undefined;
  interpreter: InterpreterChoice | undefined;

  constructor(
    private readonly output: vscode.LogOutputChannel,
    private readonly status: StatusItem,
  ) {}

  async start(): Promise<void> {
    const config = vscode.workspace.getConfiguration("hoverdoc");
    this.interpreter = await chooseInterpreter({
      configured: config.get<string>("interpreter"),
      pythonExtension: () => activeInterpreter(vscode.workspace.workspaceFolders?.[0]?.uri),
      platform: process.platform,
    });
    const python = this.interpreter.path;
    this.output.info(`Using ${python} (from ${this.interpreter.source})`);
    const problem = await this.checkInstalled(python);
    if (problem) {
      this.status.show({ state: "missing", reason: problem });
      return; // no server, no crash loop: the notification says what to do
    }
    const command = serverCommand(python, await supportsSafePath(python));
    const serverOptions: ServerOptions = {
      command: command.command,
      args: command.args,
      transport: TransportKind.stdio,
      options: { cwd: NEUTRAL_CWD }, // never the workspace: its files must not shadow the server's modules
    };
    const trusted = vscode.workspace.isTrusted;
    if (!trusted) {
      this.output.info("Restricted mode: models supplied by the workspace are ignored until it is trusted.");
    }
    const clientOptions: LanguageClientOptions = {
      documentSelector: [
        { scheme: "file", language: "python" },
        { scheme: "untitled", language: "python" },
      ],
      synchronize: { configurationSection: "hoverdoc" },
      // in an untrusted workspace the server ignores .hoverdoc/model (see README, Security)
      initializationOptions: { ...toServerSettings((key) => config.get(key)), untrustedWorkspace: !trusted },
      outputChannel: this.output,
      revealOutputChannelOn: RevealOutputChannelOn.Never,
    };
    this.client = new LanguageClient("hoverdoc", "hoverdoc", serverOptions, clientOptions);
    this.client.onNotification("hoverdoc/status", (status: ServerStatus) => this.status.show(status));
    this.status.show({ state: "loading" });
    try {
      await this.client.start();
    } catch (error) {
      this.output.error(`The hoverdoc server did not start: ${error}`);
      this.status.show({ state: "stopped", reason: String(error) });
      this.client = undefined;
    }
  }

  /** The reason the interpreter cannot run the server, or undefined when it can. */
  private checkInstalled(python: string): Promise<string | undefined> {
    const check = importCheckCommand(python);
    return new Promise((resolve) => {
      execFile(check.command, check.args, { timeout: 30_000, cwd: NEUTRAL_CWD }, (error, _stdout, stderr) => {
        if (!error) {
          resolve(undefined);
          return;
        }
        const detail = `${stderr || ""} ${error.message}`;
        const { message, installCommand } = missingPackageMessage(python, detail);
        this.output.warn(message);
        if (this.warnedFor !== python) {
          this.warnedFor = python; // one notification per interpreter, not one per restart
          void vscode.window.showErrorMessage(message, "Copy Command", "Show Output").then((choice) => {
            if (choice === "Copy Command") {
              void vscode.env.clipboard.writeText(installCommand);
            } else if (choice === "Show Output") {
              this.output.show();
            }
          });
        }
        resolve(message);
      });
    });
  }

  async stop(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    if (client) {
      await client.stop().catch((error) => this.output.warn(`stopping the server: ${error}`));
    }
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }

  /** Restart after settings settle (several change events arrive together). */
  scheduleRestart(delayMs = 500): void {
    if (this.restartTimer) {
      clearTimeout(this.restartTimer);
    }
    this.restartTimer = setTimeout(() => void this.restart(), delayMs);
  }

  async executeServerCommand(command: string, args: unknown[]): Promise<unknown> {
    if (!this.client) {
      void vscode.window.showWarningMessage("hoverdoc: the server is not running.");
      return undefined;
    }
    return this.client.sendRequest(ExecuteCommandRequest.type, { command, arguments: args });
  }

  dispose(): void {
    if (this.restartTimer) {
      clearTimeout(this.restartTimer);
    }
    void this.stop();
  }
}
