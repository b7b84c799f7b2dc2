// End-to-end in a real VS Code (code-server) driven through Debian's Chromium with playwright-core.
// Mode "pip-fails" (a clean profile, hoverdoc.wheelhouse an empty folder so that pip cannot install
// the dependencies): click "Set up hoverdoc" and check the one error the user reads and its way out.
// Mode "setup" (the same profile, the wheelhouse setting removed): click "Set up hoverdoc" and wait for
// the private environment; mode "reuse" (again): no set-up is offered; mode "repair" (the environment
// broken on disk): the broken environment is named and "Set up hoverdoc" recreates it. Then hover an
// undocumented function's call site, check the model's summary in the hover widget, run "hoverdoc:
// Generate Docstring" and check the docstring in the editor; in mode "reuse" also delete a folder whose
// documented function a hover quotes, and check that the hover stops quoting it. Mode "cancel" (an interpreter with the
// training extras, a workspace model installed): run "hoverdoc: Retrain on This Workspace" with a
// search, click Cancel in its progress notification while a trial trains, and check that the retrain
// stopped on the interrupt (run.sh then checks the installed model is unchanged).
import { chromium } from "playwright-core";
import fs from "node:fs";
import path from "node:path";

const [url, artifacts, mode = "setup", project] = process.argv.slice(2);
fs.mkdirSync(artifacts, { recursive: true });
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--disable-quic"],
});
const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
const step = (text) => console.log(`e2e: ${text}`);
try {
  scenario: {
    await page.goto(url);
    await page.waitForSelector(".monaco-workbench", { timeout: 90_000 });
    step("workbench loaded");

    async function openFile(name) {
      const row = page.locator(".explorer-folders-view .monaco-list-row", { hasText: name });
      await row.waitFor({ timeout: 30_000 });
      await row.dblclick();
      await page.locator(".tab.active", { hasText: name }).waitFor({ timeout: 30_000 });
      await page.waitForTimeout(500);
    }

    async function runCommand(title) {
      await page.keyboard.press("F1");
      const input = page.locator(".quick-input-widget .quick-input-box input");
      await input.waitFor({ state: "visible" });
      await input.click();
      await input.pressSequentially(`>${title}`, { delay: 20 });
      await page.locator(".quick-input-widget .monaco-list-row", { hasText: title }).first()
        .waitFor({ timeout: 15_000 });
      await page.keyboard.press("Enter");
    }

    await openFile("usage.py");
    const setUp = page.locator(".notifications-toasts .monaco-button", { hasText: "Set up hoverdoc" });
    const toast = (text) => page.locator(".notifications-toasts .notification-list-item", { hasText: text });
    if (mode === "pip-fails") {
      await setUp.first().click({ timeout: 90_000 });
      step("clicked Set up hoverdoc with an empty wheelhouse");
      const failed = toast("the set-up failed: pip install failed");
      await failed.first().waitFor({ timeout: 300_000 });
      const message = (await failed.first().innerText()).trim();
      await page.screenshot({ path: path.join(artifacts, "pip-failed.png") });
      for (const way of ["Set up hoverdoc", "Show Output"]) {
        if (!message.includes(way)) {
          throw new Error(`the failure offers no "${way}": ${JSON.stringify(message)}`);
        }
      }
      await page.locator(".statusbar-item", { hasText: "hoverdoc: stopped" }).first().waitFor({ timeout: 10_000 });
      step(`failure shown: ${message.split("\n").find((line) => line.includes("set-up failed"))}`);
      await failed.first().locator(".monaco-button", { hasText: "Show Output" }).click();
      await page.locator(".panel .view-lines", { hasText: "No matching distribution" }).first().waitFor({ timeout: 15_000 });
      await page.screenshot({ path: path.join(artifacts, "pip-log.png") });
      step("Show Output shows pip's own error");
      console.log("e2e (pip-fails): 1 passed, 0 failed");
      break scenario;
    }
    if (mode === "repair") {
      await toast("is broken").first().waitFor({ timeout: 90_000 });
      step("the broken private environment is named");
    }
    if (mode === "setup" || mode === "repair") {
      await setUp.first().waitFor({ timeout: 90_000 });
      await page.screenshot({ path: path.join(artifacts, "setup-offered.png") });
      const clicked = Date.now();
      await setUp.first().click();
      step("clicked Set up hoverdoc");
      await page.locator(".statusbar-item", { hasText: "hoverdoc: setting up" }).first().waitFor({ timeout: 30_000 });
      const ready = page.locator(".statusbar-item", { hasText: /hoverdoc: (?!loading|setting up|not set up|stopped)/ });
      await ready.first().waitFor({ timeout: 540_000 });
      step(`private environment set up and the server started in ${((Date.now() - clicked) / 1000).toFixed(1)} s`);
    }
    const status = page.locator(".statusbar-item", { hasText: /hoverdoc: (?!loading|setting up)/ });
    await status.first().waitFor({ timeout: 90_000 });
    const shown = (await status.first().innerText()).trim();
    step(`status bar: ${shown}`);
    if (mode === "reuse" && (await setUp.count()) > 0) {
      throw new Error("the set-up was offered again although the private environment exists");
    }
    if (/not set up|fallback|stopped/.test(shown)) {
      throw new Error(`the server is not serving a model: ${shown}`);
    }
    if (mode === "cancel") {
      await runCommand("hoverdoc: Retrain on This Workspace");
      await page.locator(".quick-input-widget .monaco-list-row", { hasText: "Search and retrain" }).first()
        .click({ timeout: 90_000 });
      step("chose Search and retrain");
      const searching = toast("searching how to adapt");
      const stoppedEarly = toast("retrain stopped");
      await Promise.race([searching.first().waitFor({ timeout: 300_000 }), stoppedEarly.first().waitFor({ timeout: 300_000 })]);
      if (await stoppedEarly.count()) {
        throw new Error(`the retrain stopped before its search: ${(await stoppedEarly.first().innerText()).trim()}`);
      }
      // the output channel (shown by the command) says when the first trial's training has started
      await page.locator(".panel .view-lines", { hasText: "trainable of" }).first().waitFor({ timeout: 180_000 });
      await page.screenshot({ path: path.join(artifacts, "retraining.png") });
      await searching.first().locator(".monaco-button", { hasText: "Cancel" }).click();
      step("clicked Cancel while the search trained its first trial");
      const stopped = toast("retrain stopped (exit code 130)");
      await stopped.first().waitFor({ timeout: 120_000 });
      await page.screenshot({ path: path.join(artifacts, "cancelled.png") });
      step("the retrain stopped on the interrupt (exit code 130)");
      console.log("e2e (cancel): 1 passed, 0 failed");
      break scenario;
    }

    // where a word is drawn, whatever spans Monaco splits the line into
    async function wordBox(word, occurrence) {
      return page.evaluate(([word, occurrence]) => {
        const lines = [...document.querySelectorAll(".view-lines .view-line")]
          .sort((a, b) => a.getBoundingClientRect().top - b.getBoundingClientRect().top);
        let seen = 0;
        for (const line of lines) {
          const walker = document.createTreeWalker(line, NodeFilter.SHOW_TEXT);
          for (let node = walker.nextNode(); node; node = walker.nextNode()) {
            const at = node.textContent.indexOf(word);
            if (at >= 0 && seen++ === occurrence) {
              const range = document.createRange();
              range.setStart(node, at);
              range.setEnd(node, at + word.length);
              const box = range.getBoundingClientRect();
              return { x: box.left + box.width / 2, y: box.top + box.height / 2 };
            }
          }
        }
        return null;
      }, [word, occurrence]);
    }

    // hoverdoc's hover on the occurrence-th drawing of word, once it has one that satisfies done (each
    // try starts with no hover shown: a stale widget must not be read as the new one)
    async function hoverOn(word, occurrence, done = () => true, seconds = 75) {
      const deadline = Date.now() + seconds * 1000;
      const widget = page.locator(".monaco-hover-content", { hasText: "hoverdoc" });
      let text = "";
      for (let attempt = 1; !(text.includes(word) && done(text)) && Date.now() < deadline; attempt++) {
        if (attempt > 1) {
          await page.waitForTimeout(2_000);
        }
        const box = await wordBox(word, occurrence);
        if (!box) {
          throw new Error(`${word} not found in the editor`);
        }
        await page.mouse.move(0, 0);
        await widget.first().waitFor({ state: "hidden", timeout: 10_000 }).catch(() => undefined);
        await page.mouse.move(box.x, box.y, { steps: 4 });
        try {
          await widget.first().waitFor({ timeout: 15_000 });
          text = (await widget.first().innerText()).trim();
        } catch {
          step(`no hover on ${word} yet (attempt ${attempt})`);
        }
      }
      return text;
    }

    const hover = await hoverOn("count_order_total", 1); // the call site, not the import
    await page.screenshot({ path: path.join(artifacts, "hover.png") });
    if (!/def count_order_total\(records, value\)/.test(hover) || !/hoverdoc · generated summary/.test(hover)) {
      throw new Error(`unexpected hover: ${JSON.stringify(hover)}`);
    }
    const summary = hover.split("\n").find((line) => line && !line.startsWith("def ") && !line.includes("hoverdoc ·"));
    step(`hover summary: ${summary}`);

    if (mode === "reuse") {
      // a deleted folder leaves the workspace index (the server learns of it from VS Code's file watcher)
      await openFile("billing.py");
      const quoting = await hoverOn("sum_open_ledger", 0, (text) => text.includes("same as"));
      if (!/same as .*read_ledger_balance/.test(quoting)) {
        throw new Error(`the hover does not quote ledgers/ledger.py: ${JSON.stringify(quoting)}`);
      }
      step("the hover quotes the documented twin in ledgers/");
      fs.rmSync(path.join(project, "ledgers"), { recursive: true });
      const after = await hoverOn("sum_open_ledger", 0, (text) => !text.includes("same as"));
      await page.screenshot({ path: path.join(artifacts, "folder-deleted.png") });
      if (after.includes("same as") || !after.includes("hoverdoc ·")) {
        throw new Error(`the deleted folder is still quoted: ${JSON.stringify(after)}`);
      }
      step("after deleting ledgers/ the hover no longer quotes it");
    }

    await openFile("orders.py");
    const name = await wordBox("count_order_total", 0);
    await page.mouse.click(name.x, name.y);
    await runCommand("hoverdoc: Generate Docstring");
    await page.waitForFunction(() => {
      const text = document.querySelector(".view-lines")?.textContent || "";
      return text.includes("Args:");
    }, null, { timeout: 60_000 });
    const editor = (await page.locator(".view-lines").innerText()).replace(/\u00a0/g, " ");
    await page.screenshot({ path: path.join(artifacts, "docstring.png") });
    if (!editor.includes('"""') || !/records: \S/.test(editor)) {
      throw new Error(`unexpected editor text after Generate Docstring: ${JSON.stringify(editor)}`);
    }
    // a snippet: the first tab stop (the summary hoverdoc wrote) is selected, ready to be typed over
    const selected = await page.locator(".statusbar-item", { hasText: /\(\d+ selected\)/ }).count();
    if (!selected) {
      throw new Error("the docstring was not inserted as a snippet (no tab stop is selected)");
    }
    step("docstring inserted, its summary the first tab stop");
    // leave orders.py as it was on disk: the next mode starts in this profile and hovers the function
    await page.keyboard.press("Escape");
    await runCommand("File: Revert File");
    await page.waitForFunction(() => !document.querySelector(".tab.dirty"), null, { timeout: 30_000 });
    console.log(`e2e (${mode}): ${mode === "reuse" ? 3 : 2} passed, 0 failed`);
  }
} catch (error) {
  await page.screenshot({ path: path.join(artifacts, "failure.png") }).catch(() => undefined);
  console.error(`e2e: ${error.stack || error}`);
  console.log("e2e: 0 passed, 1 failed");
  process.exitCode = 1;
} finally {
  await browser.close();
}
