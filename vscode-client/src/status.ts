// The status bar item: which model answers, or that hoverdoc is on its fallback.
import * as vscode from "vscode";

export interface ServerStatus {
  state: "setup" | "loading" | "ready" | "fallback" | "stopped" | "missing";
  model?: string | null;
  reason?: string | null;
  /** The workspace index per folder, in a few words ("ws: 120 definitions in 40 files", "building"). */
  index?: string | null;
}

export class StatusItem implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem("hoverdoc.status", vscode.StatusBarAlignment.Right, 100);

  constructor() {
    this.item.name = "hoverdoc";
    this.item.command = "hoverdoc.showOutput";
    this.show({ state: "loading" });
  }

  show(status: ServerStatus): void {
    switch (status.state) {
      case "ready":
        this.item.text = `$(book) hoverdoc: ${status.model}`;
        this.item.tooltip = `Summaries from ${status.model}`;
        break;
      case "fallback":
        this.item.text = "$(warning) hoverdoc: fallback";
        this.item.tooltip = `No usable model (${status.reason ?? "unknown reason"}); summaries come from names.`;
        break;
      case "missing":
        this.item.text = "$(error) hoverdoc: not set up";
        this.item.tooltip = status.reason ?? "hoverdoc is not installed where it would run";
        break;
      case "setup":
        this.item.text = "$(sync~spin) hoverdoc: setting up";
        this.item.tooltip = "Creating hoverdoc's private Python environment (progress in the notification)";
        break;
      case "stopped":
        this.item.text = "$(circle-slash) hoverdoc: stopped";
        this.item.tooltip = status.reason ?? "The hoverdoc server is not running";
        break;
      default:
        this.item.text = "$(sync~spin) hoverdoc: loading";
        this.item.tooltip = "Loading the model";
    }
    if (status.index && (status.state === "ready" || status.state === "fallback")) {
      this.item.tooltip = `${this.item.tooltip}\nWorkspace index: ${status.index}\nClick for the output.`;
    }
    this.item.show();
  }

  dispose(): void {
    this.item.dispose();
  }
}
