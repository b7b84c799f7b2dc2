// What the user reads when the chosen interpreter has no hoverdoc.

export interface MissingPackage {
  message: string;
  installCommand: string;
}

function quoted(path: string): string {
  return /[\s"'$`]/.test(path) ? `"${path.replace(/(["$`])/g, "\\$1")}"` : path;
}

export function installCommand(python: string): string {
  return `${quoted(python)} -m pip install hoverdoc`;
}

/** The notification for an interpreter that cannot import hoverdoc.server. */
export function missingPackageMessage(python: string, detail: string): MissingPackage {
  const reason = /No module named|ModuleNotFoundError/.test(detail)
    ? "hoverdoc is not installed"
    : /ENOENT|not found|No such file/.test(detail)
      ? "the interpreter was not found"
      : "hoverdoc could not be imported";
  const command = installCommand(python);
  return {
    message: `hoverdoc: ${reason} in ${python}. Install it with: ${command}`,
    installCommand: command,
  };
}
