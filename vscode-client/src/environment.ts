// The private environment hoverdoc runs from under importStrategy "useBundled": where it lives, the
// command lines that create it from the wheel the extension carries, and whether it is current. No
// vscode and no processes, so it is unit-tested.
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";

import { CommandLine } from "./serverCommand";

export type ImportStrategy = "useBundled" | "fromEnvironment";

export const MIN_PYTHON: [number, number] = [3, 10];
/** Written into the environment once hoverdoc is installed in it: which extension installed what. */
export const STAMP_FILE = "hoverdoc-environment.json";

/** Beside the bundled wheel, its SHA-256 (written when the extension is built): a wheel rebuilt under
 * the same name and version differs in it, and reading it costs nothing at start. */
export const DIGEST_SUFFIX = ".sha256";

export interface Stamp {
  extension: string;
  wheel: string;
  sha256?: string; // the wheel's digest
}

export function importStrategy(value: unknown): ImportStrategy {
  return value === "fromEnvironment" ? "fromEnvironment" : "useBundled";
}

/** The environment's interpreter inside its folder. */
export function environmentPython(folder: string, platform: NodeJS.Platform): string {
  return platform === "win32" ? path.join(folder, "Scripts", "python.exe") : path.join(folder, "bin", "python");
}

/** Pythons to try for creating the environment, best first, without repeats. */
export function pythonCandidates(chosen: string | undefined, platform: NodeJS.Platform): string[] {
  const found = platform === "win32" ? ["py", "python"] : ["python3", "python3.13", "python3.12", "python3.11", "python3.10", "python"];
  return [...new Set([...(chosen ? [chosen] : []), ...found])];
}

/** Prints `major.minor` of an interpreter. */
export function versionCommand(python: string): CommandLine {
  return { command: python, args: ["-c", "import sys; print('%d.%d' % sys.version_info[:2])"] };
}

/** Whether `major.minor` output is at least MIN_PYTHON. */
export function isSupportedVersion(output: string): boolean {
  const match = /^(\d+)\.(\d+)\s*$/.exec(output.trim());
  if (!match) {
    return false;
  }
  const [major, minor] = [Number(match[1]), Number(match[2])];
  return major > MIN_PYTHON[0] || (major === MIN_PYTHON[0] && minor >= MIN_PYTHON[1]);
}

/** The first candidate whose `major.minor` (from `versionOf`, undefined when it does not run) is at
 * least MIN_PYTHON; else the one line that names each candidate tried, with its version. */
export async function firstSupportedPython(
  candidates: string[],
  versionOf: (python: string) => Promise<string | undefined>,
): Promise<{ python: string } | { problem: string }> {
  const tried: string[] = [];
  for (const candidate of candidates) {
    const version = await versionOf(candidate);
    if (version && isSupportedVersion(version)) {
      return { python: candidate };
    }
    tried.push(version ? `${candidate} (${version})` : candidate);
  }
  return {
    problem:
      `no Python ${MIN_PYTHON.join(".")} or later was found (tried ${tried.join(", ")}); ` +
      "install one, or name it in hoverdoc.interpreter",
  };
}

/** `<python> -m venv <folder>`. */
export function venvCommand(python: string, folder: string): CommandLine {
  return { command: python, args: ["-m", "venv", folder] };
}

/**
 * `<env python> -m pip install <wheel>`: its dependencies from the index pip is configured for, or
 * only from `wheelhouse` (offline) when one is given.
 */
export function installCommand(envPython: string, wheel: string, wheelhouse?: string): CommandLine {
  const offline = wheelhouse ? ["--no-index", "--find-links", wheelhouse] : [];
  return {
    command: envPython,
    args: ["-m", "pip", "install", "--disable-pip-version-check", "--no-input", ...offline, wheel],
  };
}

/** The bundled wheel among a folder's file names (the newest version if several). */
export function bundledWheel(names: string[]): string | undefined {
  return names
    .filter((name) => /^hoverdoc-.+\.whl$/.test(name))
    .sort()
    .at(-1);
}

/** Whether an environment stamped `stamp` holds what this extension carries. */
export function isCurrent(stamp: Stamp | undefined, extension: string, wheel: string, sha256: string): boolean {
  return stamp !== undefined && stamp.extension === extension && stamp.wheel === wheel && stamp.sha256 === sha256;
}

/** The hex digest at the start of a digest file's text (sha256sum's layout), else undefined. */
export function parseDigest(text: string): string | undefined {
  const match = /^([0-9a-f]{64})(\s|$)/.exec(text.trim().toLowerCase());
  return match ? match[1] : undefined;
}

export function parseStamp(text: string): Stamp | undefined {
  try {
    const data = JSON.parse(text) as Partial<Stamp>;
    if (typeof data.extension !== "string" || typeof data.wheel !== "string") {
      return undefined;
    }
    const digest = typeof data.sha256 === "string" ? { sha256: data.sha256 } : {};
    return { extension: data.extension, wheel: data.wheel, ...digest };
  } catch {
    return undefined;
  }
}

/** A file's SHA-256 in hex, read as a stream. */
export function sha256OfFile(file: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash("sha256");
    fs.createReadStream(file)
      .on("error", reject)
      .on("data", (chunk) => hash.update(chunk))
      .on("end", () => resolve(hash.digest("hex")));
  });
}
