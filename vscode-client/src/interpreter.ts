// Which Python runs the server: the hoverdoc.interpreter setting, else the Python extension's
// active interpreter, else python3 on PATH. Pure: the sources are passed in, so it is unit-tested.

export type InterpreterSource = "setting" | "python-extension" | "path";

export interface InterpreterChoice {
  path: string;
  source: InterpreterSource;
}

export interface InterpreterSources {
  /** The hoverdoc.interpreter setting (may be empty). */
  configured: string | undefined;
  /** The Python extension's active interpreter, if that extension is installed and has one. */
  pythonExtension: () => Promise<string | undefined>;
  /** The platform's default command. */
  platform: NodeJS.Platform;
}

export function defaultPython(platform: NodeJS.Platform): string {
  return platform === "win32" ? "python" : "python3";
}

export async function chooseInterpreter(sources: InterpreterSources): Promise<InterpreterChoice> {
  const configured = sources.configured?.trim();
  if (configured) {
    return { path: configured, source: "setting" };
  }
  let fromExtension: string | undefined;
  try {
    fromExtension = (await sources.pythonExtension())?.trim();
  } catch {
    fromExtension = undefined; // a broken or missing Python extension is not our failure
  }
  if (fromExtension) {
    return { path: fromExtension, source: "python-extension" };
  }
  return { path: defaultPython(sources.platform), source: "path" };
}
