// The command lines the extension runs: the server itself and the check that hoverdoc is installed.

export interface CommandLine {
  command: string;
  args: string[];
}

export const SERVER_MODULE = "hoverdoc.server";

/**
 * The folder every Python command runs in: the extension's own (never the workspace), so that no
 * workspace file can shadow a module the server imports (`python -m` puts the current folder first
 * on sys.path, and a `hoverdoc/` folder there would replace the package itself).
 */
export const NEUTRAL_CWD: string = __dirname;

/** Flags before `-m`: `-P` (Python 3.11+) keeps even the neutral folder off sys.path. */
function pythonFlags(safePath: boolean): string[] {
  return safePath ? ["-P"] : [];
}

/** `<python> [-P] -m hoverdoc.server` over stdio. */
export function serverCommand(python: string, safePath = false): CommandLine {
  return { command: python, args: [...pythonFlags(safePath), "-m", SERVER_MODULE] };
}

/** Exits 0 when the interpreter accepts `-P` (Python 3.11 and later). */
export function safePathCheckCommand(python: string): CommandLine {
  return { command: python, args: ["-P", "-c", "pass"] };
}

/**
 * The check's script: import the server package, then look up every package hoverdoc's metadata
 * requires to serve (not its extras, nor requirements under environment markers). An environment that
 * lost one (onnxruntime, say) used to pass and then crash the server at start, with no way out offered.
 */
const IMPORT_CHECK = [
  `import ${SERVER_MODULE} as m, re, sys, importlib.metadata as md, importlib.util as util`,
  "try:",
  "    requirements = md.requires('hoverdoc') or []",
  "except md.PackageNotFoundError:  # run from a source tree: nothing to compare with",
  "    requirements = []",
  "missing = []",
  "for requirement in requirements:",
  "    name = re.match(r'[A-Za-z0-9._-]+', requirement)",
  "    if name is None or ';' in requirement:",
  "        continue",
  "    try:",
  "        md.distribution(name.group(0))",
  "    except md.PackageNotFoundError:  # another build may provide it (onnxruntime-gpu: onnxruntime)",
  "        if util.find_spec(name.group(0).replace('-', '_')) is None:",
  "            missing.append(name.group(0))",
  "if missing:",
  "    sys.exit('hoverdoc is missing the packages ' + ', '.join(missing))",
  "sys.stdout.write(m.__file__)",
].join("\n");

/**
 * Exits 0 when the interpreter can import the server package and has the packages it needs (and
 * prints its location); otherwise exits 1, saying why on stderr.
 */
export function importCheckCommand(python: string): CommandLine {
  return { command: python, args: ["-c", IMPORT_CHECK] };
}

/**
 * Exits 0 when the interpreter can import everything the server imports at start (its native
 * libraries loaded, not only found): after a failed start, whether the environment is to blame.
 */
export function startImportCheckCommand(python: string): CommandLine {
  return { command: python, args: ["-c", `import ${SERVER_MODULE}.server, hoverdoc.core.runtime`] };
}

/** `<python> [-P] -m hoverdoc.core.cli retrain <folder> --json <file> [--search --budget <budget>]`. */
export function retrainCommand(
  python: string,
  folder: string,
  reportFile: string,
  safePath = false,
  searchBudget?: string,
): CommandLine {
  const search = searchBudget ? ["--search", "--budget", searchBudget] : [];
  return {
    command: python,
    args: [...pythonFlags(safePath), "-m", "hoverdoc.core.cli", "retrain", folder, "--json", reportFile, ...search],
  };
}
