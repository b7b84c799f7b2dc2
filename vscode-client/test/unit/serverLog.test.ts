import * as assert from "node:assert/strict";

import { parseServerLogLine } from "../../src/serverLog";

describe("server log lines", () => {
  it("takes each record's level from Python's logging format, without its second timestamp", () => {
    const info = parseServerLogLine("2026-11-28 01:54:29,362 hoverdoc.server.server INFO hoverdoc: using model m");
    assert.deepEqual(info, { level: "info", text: "hoverdoc.server.server: hoverdoc: using model m" });
    assert.equal(parseServerLogLine("2026-11-28 01:54:29,362 x WARNING careful").level, "warn");
    assert.equal(parseServerLogLine("2026-11-28 01:54:29,362 x ERROR broke").level, "error");
    assert.equal(parseServerLogLine("2026-11-28 01:54:29,362 x DEBUG detail").level, "debug");
  });

  it("keeps a traceback's lines at the level of the record they follow, error when there is none", () => {
    assert.deepEqual(parseServerLogLine('  File "x.py", line 1', "warn"), { level: "warn", text: '  File "x.py", line 1' });
    assert.equal(parseServerLogLine("Traceback (most recent call last):").level, "error");
  });
});
