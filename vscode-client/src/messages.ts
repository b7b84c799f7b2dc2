// What the user reads when hoverdoc cannot run from an interpreter, and the way out it offers.

export const SET_UP = "Set up hoverdoc";
export const SHOW_OUTPUT = "Show Output";

/** The notification for an interpreter that cannot import hoverdoc.server (importStrategy fromEnvironment). */
export function missingPackageMessage(python: string, detail: string): string {
  // stderr's own line (execFile's message also quotes the check's script, where the words appear too)
  const lacking = /^hoverdoc is missing the packages ([^\n]+)$/m.exec(detail);
  const reason = lacking
    ? `hoverdoc is missing the packages ${lacking[1].trim()}`
    : /No module named|ModuleNotFoundError/.test(detail)
    ? "hoverdoc is not installed"
    : /ENOENT|not found|No such file/.test(detail)
      ? "the interpreter was not found"
      : "hoverdoc could not be imported";
  return (
    `hoverdoc: ${reason} in ${python}. "${SET_UP}" installs it into a private environment of the ` +
    "extension's own (or install it there yourself: see the README)."
  );
}

/** The notification when the private environment (importStrategy useBundled) does not exist yet. */
export function setupNeededMessage(): string {
  return `hoverdoc runs from a private Python environment that is not set up yet. "${SET_UP}" creates it (a minute or two).`;
}

/** The notification when the private environment exists but cannot run the server. */
export function brokenEnvironmentMessage(folder: string): string {
  return `hoverdoc: its private environment ${folder} is broken. "${SET_UP}" recreates it.`;
}

/** The notification when the server stopped during start-up though its environment imports it. */
export function serverFailedMessage(): string {
  return "hoverdoc: the server stopped during start-up. The output has its log; please report it with that log.";
}

/** After Generate docstring or Document file wrote summaries that no model wrote (none was ready). */
export function fallbackDocstringsMessage(count: number): string {
  const which = count === 1 ? "the new docstring's summary line" : `${count} new docstrings' summary lines`;
  return `hoverdoc: no model was ready (see the status item), so ${which} came from the name alone: worth a look.`;
}

function quoted(path: string): string {
  return /[\s"'$`]/.test(path) ? `"${path.replace(/(["$`])/g, "\\$1")}"` : path;
}

/** The commands that add hoverdoc's training extras (torch as a CPU build first) to an interpreter. */
export function trainingExtrasCommand(python: string): string {
  const py = quoted(python);
  return (
    `${py} -m pip install torch --index-url https://download.pytorch.org/whl/cpu && ` +
    `${py} -m pip install "hoverdoc[train]"`
  );
}

/** The notification when the server's interpreter cannot train (retrain needs torch, peft, ...). */
export function trainingExtrasMessage(python: string): string {
  return (
    `hoverdoc: retraining needs hoverdoc's training extras (torch, transformers, peft, optimum, about 1 GB) ` +
    `in ${python}, which has only what serving needs. Install them with: ${trainingExtrasCommand(python)}`
  );
}
