// The server's log lines (Python logging on stderr) at their own level in the output channel, not all
// as errors: "2026-11-28 01:54:29,362 hoverdoc.server.server INFO hoverdoc: using model ..." is info.
import * as readline from "node:readline";
import type { Readable } from "node:stream";
import type * as vscode from "vscode";

export type LogLevel = "debug" | "info" | "warn" | "error";

const LEVELS: Record<string, LogLevel> = {
  DEBUG: "debug",
  INFO: "info",
  WARNING: "warn",
  ERROR: "error",
  CRITICAL: "error",
};
// asctime, logger name, level name, message: the server's logging format (server/__main__.py)
const LINE = /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} (\S+) (DEBUG|INFO|WARNING|ERROR|CRITICAL) (.*)$/;

/** One stderr line's level and text (the channel adds its own time); a line that is not a log record,
 * such as a traceback's, keeps the level of the record before it (error when there is none). */
export function parseServerLogLine(line: string, previous: LogLevel = "error"): { level: LogLevel; text: string } {
  const match = LINE.exec(line);
  if (!match) {
    return { level: previous, text: line };
  }
  return { level: LEVELS[match[2]], text: `${match[1]}: ${match[3]}` };
}

/** The language client's stdio handlers: stdout as info, stderr by each record's level. */
export function serverLogHandlers() {
  const lines = (input: Readable) =>
    readline.createInterface({ input, crlfDelay: Infinity, terminal: false, historySize: 0 });
  return {
    stdout: (input: Readable, output: vscode.LogOutputChannel) => {
      lines(input).on("line", (line) => output.info(line));
    },
    stderr: (input: Readable, output: vscode.LogOutputChannel) => {
      let level: LogLevel = "error";
      lines(input).on("line", (line) => {
        const parsed = parseServerLogLine(line, level);
        level = parsed.level;
        output[level](parsed.text);
      });
    },
  };
}
