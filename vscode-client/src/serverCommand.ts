// The command lines the extension runs: the server itself and the check that hoverdoc is installed.

export interface CommandLine {
  command: string;
  args: string[];
}

export const SERVER_MODULE = "hoverdoc.server";

/** `<python> -m hoverdoc.server` over stdio. */
export function serverCommand(python: string): CommandLine {
  return { command: python, args: ["-m", SERVER_MODULE] };
}

/** Exits 0 when the interpreter can import the server package (and prints its location). */
export function importCheckCommand(python: string): CommandLine {
  return {
    command: python,
    args: ["-c", `import ${SERVER_MODULE} as m, sys; sys.stdout.write(m.__file__)`],
  };
}

/** `<python> -m hoverdoc.core.cli retrain <folder> --json <file>`. */
export function retrainCommand(python: string, folder: string, reportFile: string): CommandLine {
  return { command: python, args: ["-m", "hoverdoc.core.cli", "retrain", folder, "--json", reportFile] };
}
