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

import { importStrategy } from "./environment";
import { chooseInterpreter, InterpreterChoice } from "./interpreter";
import {
  brokenEnvironmentMessage,
  missingPackageMessage,
  serverFailedMessage,
  SET_UP,
  setupNeededMessage,
  SHOW_OUTPUT,
} from "./messages";
import { activeInterpreter } from "./pythonExtension";
import {
  CommandLine,
  importCheckCommand,
  NEUTRAL_CWD,
  safePathCheckCommand,
  serverCommand,
  startImportCheckCommand,
} from "./serverCommand";
import { serverLogHandlers } from "./serverLog";
import { toServerSettings } from "./settings";
import { PrivateEnvironment } from "./setup";
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
  private settingUp: Promise<string | undefined> | undefined;
  private starting: Promise<void> = Promise.resolve();
  interpreter: InterpreterChoice | undefined;
  /** The interpreter the server runs with (the private environment's, or the chosen one). */
  serverPython: string | undefined;

  constructor(
    private readonly output: vscode.LogOutputChannel,
    private readonly status: StatusItem,
    private readonly environment: PrivateEnvironment,
  ) {}

  /** Start the server; starts run one after another, and a start replaces a running client. */
  start(): Promise<void> {
    this.starting = this.starting.then(() => this.startOnce()).catch((error) => {
      this.output.error(`starting the server: ${error}`);
    });
    return this.starting;
  }

  private async startOnce(): Promise<void> {
    if (this.settingUp) {
      return; // the set-up starts the server when it is done
    }
    if (this.client) {
      await this.stop();
    }
    const config = vscode.workspace.getConfiguration("hoverdoc");
    this.interpreter = await chooseInterpreter({
      configured: config.get<string>("interpreter"),
      pythonExtension: () => activeInterpreter(vscode.workspace.workspaceFolders?.[0]?.uri),
      platform: process.platform,
    });
    const python = await this.pythonToRun(config);
    this.serverPython = python;
    if (!python) {
      return; // no server, no crash loop: the status item and a notification say what to do
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
      stdioOptions: serverLogHandlers(), // the server's log records at their own level, not all as errors
      revealOutputChannelOn: RevealOutputChannelOn.Never,
    };
    this.client = new LanguageClient("hoverdoc", "hoverdoc", serverOptions, clientOptions);
    this.client.onNotification("hoverdoc/status", (status: ServerStatus) => this.status.show(status));
    this.status.show({ state: "loading" });
    try {
      await this.client.start();
      if (this.warnedFor === "failed") {
        this.warnedFor = undefined; // a later failure is news again
      }
    } catch (error) {
      this.output.error(`The hoverdoc server did not start: ${error}`);
      this.status.show({ state: "stopped", reason: String(error) });
      this.client = undefined;
      await this.explainFailedStart(python);
    }
  }

  /**
   * After a failed start: an interpreter that cannot import what the server imports (a private
   * environment passes the first check with a broken native library) gets "Set up"; otherwise the
   * fault is hoverdoc's, and the user is sent to the log instead of a set-up that would not help.
   */
  private async explainFailedStart(python: string): Promise<void> {
    const problem = await this.checkProblem(startImportCheckCommand(python));
    if (problem) {
      this.output.warn(problem);
      const broken = python === this.environment.python;
      const message = broken ? brokenEnvironmentMessage(this.environment.folder) : missingPackageMessage(python, problem);
      this.offerSetUp(message, broken ? "broken" : python);
    } else if (this.warnedFor !== "failed") {
      this.warnedFor = "failed";
      void vscode.window.showErrorMessage(serverFailedMessage(), SHOW_OUTPUT).then((choice) => this.onChoice(choice));
    }
  }

  /**
   * The interpreter to run the server with: under "useBundled" the private environment (upgraded
   * when another version of the extension set it up), under "fromEnvironment" the chosen one;
   * undefined, with the way out offered, when neither can run it.
   */
  private async pythonToRun(config: vscode.WorkspaceConfiguration): Promise<string | undefined> {
    const chosen = this.interpreter!;
    if (importStrategy(config.get("importStrategy")) === "fromEnvironment") {
      this.output.info(`Using ${chosen.path} (from ${chosen.source})`);
      const problem = await this.importProblem(chosen.path);
      return problem ? this.offerSetUp(missingPackageMessage(chosen.path, problem), chosen.path) : chosen.path;
    }
    const state = await this.environment.state();
    if (state === "missing") {
      return this.offerSetUp(setupNeededMessage(), "setup");
    }
    if (state === "outdated") {
      this.output.info("The private environment was set up by another version of the extension: upgrading it.");
      return this.setUp();
    }
    const problem = await this.importProblem(this.environment.python);
    if (problem) {
      this.output.warn(problem);
      return this.offerSetUp(brokenEnvironmentMessage(this.environment.folder), "broken");
    }
    this.output.info(`Using the private environment ${this.environment.folder}`);
    return this.environment.python;
  }

  /** Show why the server cannot start, once per reason, with "Set up hoverdoc" as the way out. */
  private offerSetUp(message: string, key: string): undefined {
    this.output.warn(message);
    this.status.show({ state: "missing", reason: message });
    if (this.warnedFor !== key) {
      this.warnedFor = key; // one notification per reason, not one per restart
      void vscode.window.showWarningMessage(message, SET_UP, SHOW_OUTPUT).then((choice) => this.onChoice(choice));
    }
    return undefined;
  }

  /** The buttons of the set-up notifications. */
  private onChoice(choice: string | undefined): void {
    if (choice === SET_UP) {
      void this.setUpAndStart();
    } else if (choice === SHOW_OUTPUT) {
      this.output.show();
    }
  }

  /** Set up the private environment (one set-up at a time); its interpreter, or undefined on failure. */
  setUp(): Promise<string | undefined> {
    if (!this.settingUp) {
      this.settingUp = this.runSetUp().finally(() => (this.settingUp = undefined));
    }
    return this.settingUp;
  }

  private async runSetUp(): Promise<string | undefined> {
    const config = vscode.workspace.getConfiguration("hoverdoc");
    const wheelhouse = config.get<string>("wheelhouse")?.trim() || undefined;
    this.status.show({ state: "setup" });
    try {
      return await this.environment.setUp(this.interpreter?.path, wheelhouse);
    } catch (error) {
      const message = `hoverdoc: the set-up failed: ${error instanceof Error ? error.message : String(error)}`;
      this.output.error(message);
      this.status.show({ state: "stopped", reason: message });
      void vscode.window.showErrorMessage(message, SET_UP, SHOW_OUTPUT).then((choice) => this.onChoice(choice));
      return undefined;
    }
  }

  /** The "Set up hoverdoc" button and the hoverdoc: Set Up Environment command. */
  async setUpAndStart(): Promise<void> {
    const config = vscode.workspace.getConfiguration("hoverdoc");
    if (importStrategy(config.get("importStrategy")) === "fromEnvironment") {
      // asking for the set-up is asking to use it: change the value where it is set
      const where = config.inspect("importStrategy");
      const target =
        where?.workspaceFolderValue !== undefined
          ? vscode.ConfigurationTarget.WorkspaceFolder
          : where?.workspaceValue !== undefined
            ? vscode.ConfigurationTarget.Workspace
            : vscode.ConfigurationTarget.Global;
      await config.update("importStrategy", "useBundled", target);
    }
    await this.stop();
    this.warnedFor = undefined;
    if (await this.setUp()) {
      await this.start();
    }
  }

  /** Why the interpreter cannot import the server package, or undefined when it can. */
  private importProblem(python: string): Promise<string | undefined> {
    return this.checkProblem(importCheckCommand(python));
  }

  /** What a check command said on failure, or undefined when it passed. */
  private checkProblem(check: CommandLine): Promise<string | undefined> {
    return new Promise((resolve) => {
      execFile(check.command, check.args, { timeout: 30_000, cwd: NEUTRAL_CWD }, (error, _stdout, stderr) =>
        resolve(error ? `${stderr || ""} ${error.message}`.trim() : undefined),
      );
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
