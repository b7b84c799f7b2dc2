// VS Code's hoverdoc.* settings as the server's settings object (its initialization options), and
// which changes need a server restart. The server itself re-reads settings on every change.

export type Getter = (key: string) => unknown;

export interface ServerSettings {
  docstringStyle: string;
  modelPath: string;
  hover: { enabled: boolean; documented: boolean };
  maxSourceTokens: number | null;
  threads: number;
  workspace: { enabled: boolean; exclude: string[] };
  diagnostics: { enabled: boolean };
  docstring: { modelDescriptions: boolean };
}

const STYLES = ["google", "numpy", "sphinx", "epytext", "pep257"];

function asBoolean(value: unknown, fallback: boolean): boolean {
  return typeof value === "boolean" ? value : fallback;
}

function asCount(value: unknown, fallback: number | null, min: number, max: number): number | null {
  return typeof value === "number" && Number.isInteger(value) && value >= min && value <= max ? value : fallback;
}

function asGlobs(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === "string") : [];
}

export function toServerSettings(get: Getter): ServerSettings {
  const style = get("docstringStyle");
  const model = get("modelPath");
  return {
    docstringStyle: typeof style === "string" && STYLES.includes(style) ? style : "google",
    modelPath: typeof model === "string" ? model.trim() : "",
    hover: {
      enabled: asBoolean(get("hover.enabled"), true),
      documented: asBoolean(get("hover.documented"), false),
    },
    maxSourceTokens: asCount(get("maxSourceTokens"), null, 8, 4096),
    threads: asCount(get("threads"), 0, 0, 256) ?? 0,
    workspace: {
      enabled: asBoolean(get("workspace.enabled"), true),
      exclude: asGlobs(get("workspace.exclude")),
    },
    diagnostics: { enabled: asBoolean(get("diagnostics.enabled"), true) },
    docstring: { modelDescriptions: asBoolean(get("docstring.modelDescriptions"), true) },
  };
}

/** Settings whose change needs a new server process (the rest are applied live by the server). */
export const RESTART_SETTINGS = ["hoverdoc.interpreter", "hoverdoc.importStrategy"];

export function needsRestart(affects: (section: string) => boolean): boolean {
  return RESTART_SETTINGS.some((section) => affects(section));
}
