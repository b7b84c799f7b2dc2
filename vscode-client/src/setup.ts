// Setting up the private environment (importStrategy "useBundled"): find a Python 3.10 or later,
// create a virtual environment in the extension's global storage and install the hoverdoc wheel the
// extension carries, with progress in a notification and every line of pip in the output channel.
import { execFile, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import * as vscode from "vscode";

import {
  bundledWheel,
  DIGEST_SUFFIX,
  environmentPython,
  firstSupportedPython,
  installCommand,
  isCurrent,
  parseDigest,
  parseStamp,
  pythonCandidates,
  sha256OfFile,
  STAMP_FILE,
  venvCommand,
  versionCommand,
} from "./environment";
import { CommandLine, NEUTRAL_CWD } from "./serverCommand";

export type EnvironmentState = "missing" | "outdated" | "current";

const LOCK_WAIT_MS = 15 * 60_000;
const LOCK_STALE_MS = 20 * 60_000;

/** A set-up that failed, with the one line the user reads. */
export class SetupError extends Error {}

export class PrivateEnvironment {
  private digests = new Map<string, Promise<string>>();

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly output: vscode.LogOutputChannel,
  ) {}

  get folder(): string {
    return path.join(this.context.globalStorageUri.fsPath, "env");
  }

  get python(): string {
    return environmentPython(this.folder, process.platform);
  }

  private get extensionVersion(): string {
    return String(this.context.extension.packageJSON.version ?? "");
  }

  /** The wheel in the extension's bundled/ folder, if this build carries one. */
  get wheel(): string | undefined {
    const folder = path.join(this.context.extensionPath, "bundled");
    const names = fs.existsSync(folder) ? fs.readdirSync(folder) : [];
    const name = bundledWheel(names);
    return name ? path.join(folder, name) : undefined;
  }

  /** The wheel's SHA-256: from the digest file the build writes beside it, else computed once, by
   * streaming the wheel (tens of MB) so that the extension host is never blocked on it. Calls that
   * overlap share one computation; a failed one is not kept. */
  private wheelDigest(wheel: string): Promise<string> {
    let digest = this.digests.get(wheel);
    if (digest === undefined) {
      digest = readOrComputeDigest(wheel);
      this.digests.set(wheel, digest);
      digest.catch(() => this.digests.delete(wheel));
    }
    return digest;
  }

  /** Missing (never set up, or broken), outdated (set up by another version) or current. */
  async state(): Promise<EnvironmentState> {
    if (!fs.existsSync(this.python)) {
      return "missing";
    }
    const stampFile = path.join(this.folder, STAMP_FILE);
    const stamp = fs.existsSync(stampFile) ? parseStamp(fs.readFileSync(stampFile, "utf8")) : undefined;
    const wheel = this.wheel;
    if (stamp === undefined) {
      return "missing"; // an interrupted set-up: recreate it
    }
    const current =
      wheel && isCurrent(stamp, this.extensionVersion, path.basename(wheel), await this.wheelDigest(wheel));
    return current ? "current" : "outdated";
  }

  /**
   * Create the environment afresh and install hoverdoc into it; returns its interpreter. The folder
   * is shared by every window: a lock keeps a second window from rebuilding it meanwhile (it waits,
   * then uses what the first one built).
   */
  async setUp(chosen: string | undefined, wheelhouse: string | undefined): Promise<string> {
    const lock = `${this.folder}.lock`;
    if (!(await this.acquire(lock))) {
      if ((await this.state()) === "current") {
        return this.python; // another window has just set it up
      }
      throw new SetupError("another window's set-up did not finish; try again");
    }
    try {
      return await this.build(chosen, wheelhouse);
    } finally {
      fs.rmSync(lock, { recursive: true, force: true });
    }
  }

  /** Take the lock folder (true), or wait for another window to release it (false). */
  private async acquire(lock: string): Promise<boolean> {
    fs.mkdirSync(path.dirname(lock), { recursive: true });
    const deadline = Date.now() + LOCK_WAIT_MS;
    let waited = false;
    for (;;) {
      try {
        fs.mkdirSync(lock);
        if (waited) {
          fs.rmSync(lock, { recursive: true, force: true }); // the other window is done: use its result
          return false;
        }
        return true;
      } catch {
        const age = Date.now() - (fs.statSync(lock, { throwIfNoEntry: false })?.mtimeMs ?? Date.now());
        if (age > LOCK_STALE_MS) {
          fs.rmSync(lock, { recursive: true, force: true }); // a window that died mid-set-up
          continue;
        }
        if (Date.now() > deadline) {
          return false;
        }
        if (!waited) {
          this.output.info("Another window is setting up hoverdoc's environment; waiting for it.");
        }
        waited = true;
        await new Promise((resolve) => setTimeout(resolve, 2000));
      }
    }
  }

  private async build(chosen: string | undefined, wheelhouse: string | undefined): Promise<string> {
    const wheel = this.wheel;
    if (!wheel) {
      throw new SetupError(
        "this build of the extension carries no hoverdoc wheel; set hoverdoc.importStrategy to fromEnvironment",
      );
    }
    return vscode.window.withProgress(
      {
        location: vscode.ProgressLocation.Notification,
        title: "hoverdoc: setting up its Python environment",
        cancellable: true,
      },
      async (progress, token) => {
        const started = Date.now();
        const base = await this.findPython(chosen);
        progress.report({ message: `creating it with ${base}` });
        fs.rmSync(this.folder, { recursive: true, force: true }); // a broken or older one is replaced
        fs.mkdirSync(path.dirname(this.folder), { recursive: true });
        try {
          await this.run(venvCommand(base, this.folder), "creating the environment", token);
          progress.report({ message: "installing hoverdoc and its dependencies" });
          await this.run(installCommand(this.python, wheel, wheelhouse), "pip install", token, (line) =>
            progress.report({ message: line.slice(0, 80) }),
          );
        } catch (error) {
          fs.rmSync(this.folder, { recursive: true, force: true });
          throw error;
        }
        const sha256 = await this.wheelDigest(wheel);
        const stamp = { extension: this.extensionVersion, wheel: path.basename(wheel), sha256 };
        fs.writeFileSync(path.join(this.folder, STAMP_FILE), JSON.stringify(stamp) + "\n");
        this.output.info(`Set up ${this.folder} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
        return this.python;
      },
    );
  }

  /** The first candidate that runs and is Python 3.10 or later. */
  private async findPython(chosen: string | undefined): Promise<string> {
    const found = await firstSupportedPython(pythonCandidates(chosen, process.platform), (python) =>
      this.version(python),
    );
    if ("problem" in found) {
      throw new SetupError(found.problem);
    }
    return found.python;
  }

  private version(python: string): Promise<string | undefined> {
    const command = versionCommand(python);
    return new Promise((resolve) => {
      execFile(command.command, command.args, { timeout: 30_000, cwd: NEUTRAL_CWD }, (error, stdout) =>
        resolve(error ? undefined : stdout.trim()),
      );
    });
  }

  /** Run one step, its output in the output channel; a failure or a cancel is a SetupError. */
  private run(
    command: CommandLine,
    step: string,
    token: vscode.CancellationToken,
    onLine?: (line: string) => void,
  ): Promise<void> {
    this.output.info(`$ ${command.command} ${command.args.join(" ")}`);
    return new Promise((resolve, reject) => {
      const child = spawn(command.command, command.args, { cwd: NEUTRAL_CWD });
      const cancel = token.onCancellationRequested(() => child.kill());
      const log = (chunk: Buffer) => {
        for (const line of chunk.toString().split(/\r?\n/).filter((l) => l.trim())) {
          this.output.info(line);
          onLine?.(line.trim());
        }
      };
      child.stdout.on("data", log);
      child.stderr.on("data", log);
      child.on("error", (error) => reject(new SetupError(`${step} could not start: ${error.message}`)));
      child.on("close", (code) => {
        cancel.dispose();
        if (token.isCancellationRequested) {
          reject(new SetupError("the set-up was cancelled"));
        } else if (code === 0) {
          resolve();
        } else {
          reject(new SetupError(`${step} failed (exit ${code}); its log is in the hoverdoc output`));
        }
      });
    });
  }
}

/** The digest file's hash beside the wheel, else the wheel's own SHA-256. */
async function readOrComputeDigest(wheel: string): Promise<string> {
  const file = wheel + DIGEST_SUFFIX;
  const written = fs.existsSync(file) ? parseDigest(await fs.promises.readFile(file, "utf8")) : undefined;
  return written ?? sha256OfFile(wheel);
}
