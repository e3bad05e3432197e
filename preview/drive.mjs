// Drives headless Chromium (Debian's chromium, through playwright-core) over the preview page.
// Usage: node drive.mjs <preview dir> <chromium> [--screenshots]
// Writes <preview dir>/report.json: per preset (console errors, validation errors, submitted, which
// conditional sections are visible) and the interaction checks (class to and from db.serverless,
// autoscaling off, bad values typed in). With --screenshots also <preview dir>/<preset>.png.
import { chromium } from "playwright-core";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";

const [dir, executablePath, ...flags] = process.argv.slice(2);
if (!dir || !executablePath) throw new Error("usage: node drive.mjs <preview dir> <chromium> [--screenshots]");
const screenshots = flags.includes("--screenshots");
const page0 = pathToFileURL(resolve(dir, "index.html")).href;
const { presets, schema } = JSON.parse(
  (await import("node:fs")).readFileSync(resolve(dir, "data.js"), "utf8").replace(/^window\.PREVIEW = /, "").replace(/;\s*$/, ""),
);
const slug = (name) => name.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "");

// Conditional sections: the id of one field that is on screen only when the section is.
const SECTIONS = {
  serverless_capacity: "root_scaling_serverless_min_capacity",
  autoscaling_bounds: "root_scaling_autoscaling_min_readers",
  acu_alarm: "root_alarms_acu_utilization_threshold",
  db_load_alarm: "root_alarms_db_load_threshold",
};
// Five bad values a person might type, each into a fresh Production form. (Out-of-range numbers are
// refused by the browser itself, from the min/max/step RJSF puts on number inputs: these get past it.)
const BAD_VALUES = [
  { field: "database.maintenance_window", value: "sunday 5am" },
  { field: "backup.window", value: "3-4" },
  { field: "database.snapshot_identifier", value: "my snapshot" },
  { field: "scaling.autoscaling.target", value: "0" },
  { field: "database.custom_endpoints.0.name", value: "Reports!", add: "database.custom_endpoints" },
];
const idOf = (path) => "root_" + path.replaceAll(".", "_");

const userDataDir = mkdtempSync(join(tmpdir(), "aurora-preview-chromium-"));
const context = await chromium.launchPersistentContext(userDataDir, {
  executablePath,
  headless: true,
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync"],
  viewport: { width: 900, height: 1000 },
});

async function open(presetSlug) {
  const page = await context.newPage();
  const consoleErrors = [];
  page.on("console", (m) => { if (m.type() === "error" || m.type() === "warning") consoleErrors.push(`${m.type()}: ${m.text()}`); });
  page.on("pageerror", (e) => consoleErrors.push(`pageerror: ${e.message}`));
  await page.goto(`${page0}?preset=${presetSlug}`);
  await page.waitForFunction(() => window.previewReady === true && document.querySelector("form"));
  return { page, consoleErrors };
}

async function visible(page) {
  const out = {};
  for (const [name, id] of Object.entries(SECTIONS)) out[name] = await page.locator(`#${id}`).isVisible().catch(() => false);
  return out;
}

async function submit(page) {
  const before = await page.evaluate(() => ({ s: window.previewState.submits, e: window.previewState.errorRuns }));
  const html5Invalid = await page.evaluate(() => [...document.querySelectorAll("form :invalid")].map((el) => el.id || el.name));
  await page.click("button[type=submit]");
  await page.waitForTimeout(150);
  const after = await page.evaluate(() => ({
    s: window.previewState.submits, e: window.previewState.errorRuns, errors: window.previewState.errors,
    shown: [...document.querySelectorAll(".error-detail li, .panel-danger li")].map((li) => li.textContent.trim()),
  }));
  return {
    submitted: after.s > before.s,
    validated: after.s > before.s || after.e > before.e,
    html5_invalid: html5Invalid,
    validation_errors: after.s > before.s ? [] : after.errors,
    errors_on_screen: after.shown,
  };
}

const report = { presets: [], interactions: {}, bad_values: [] };
const started = Date.now();
for (const preset of presets) {
  const s = slug(preset.__name);
  const { page, consoleErrors } = await open(s);
  const shown = await visible(page);
  const heights = await page.evaluate(() => Object.fromEntries(["root_database", "root_scaling", "root_alarms"].map(
    (id) => [id.replace("root_", ""), Math.round(document.getElementById(id)?.getBoundingClientRect().height ?? 0)])));
  if (screenshots) await page.screenshot({ path: resolve(dir, `${s}.png`), fullPage: true });
  if (screenshots && s === "production-serverless") { // the README's picture: the scaling section of a serverless preset
    await page.locator("fieldset#root_scaling").screenshot({ path: resolve(dir, "readme-scaling.png") });
  }
  const cost = await page.evaluate(() => document.getElementById("cost")?.innerText ?? null);
  const result = await submit(page);
  report.presets.push({ name: preset.__name, slug: s, visible: shown, section_px: heights, cost, console_errors: consoleErrors, ...result });
  await page.close();
}

{ // instance class to and from db.serverless (on Production)
  const { page, consoleErrors } = await open("production");
  const steps = [["initial", await visible(page)]];
  await page.selectOption(`#${idOf("database.instance_class")}`, { label: "db.serverless" });
  await page.waitForTimeout(100);
  steps.push(["db.serverless", await visible(page)]);
  await page.selectOption(`#${idOf("database.instance_class")}`, { label: "db.r7g.large" });
  await page.waitForTimeout(100);
  steps.push(["db.r7g.large", await visible(page)]);
  const result = await submit(page);
  report.interactions.serverless_toggle = { steps: Object.fromEntries(steps), console_errors: consoleErrors, ...result };
  await page.close();
}
{ // autoscaling off (on Production, where it is on CPU)
  const { page, consoleErrors } = await open("production");
  const before = await visible(page);
  await page.selectOption(`#${idOf("scaling.autoscaling.mode")}`, { label: "Off" });
  await page.waitForTimeout(100);
  const after = await visible(page);
  const result = await submit(page);
  report.interactions.autoscaling_off = { before, after, console_errors: consoleErrors, ...result };
  await page.close();
}
for (const bad of BAD_VALUES) {
  const { page, consoleErrors } = await open("production");
  if (bad.add) await page.locator(`fieldset#${idOf(bad.add)} .btn-add`).first().click();
  const placeholder = await page.getAttribute(`#${idOf(bad.field)}`, "placeholder");
  const help = await page.evaluate((id) => document.getElementById(id)?.closest(".form-group")?.querySelector(".help-block")?.textContent ?? null, idOf(bad.field));
  await page.fill(`#${idOf(bad.field)}`, bad.value);
  await page.waitForTimeout(50);
  const result = await submit(page);
  const fieldErrors = await page.evaluate((id) => {
    const group = document.getElementById(id)?.closest(".form-group");
    return group ? [...group.querySelectorAll(".error-detail li")].map((li) => li.textContent.trim()) : [];
  }, idOf(bad.field));
  report.bad_values.push({ ...bad, placeholder, help, console_errors: consoleErrors, field_errors: fieldErrors, ...result });
  await page.close();
}
{ // values a form may hold but not offer: a preset (or a package's params) outside a choice
  const { page, consoleErrors } = await open("production");
  report.outside_choices = await page.evaluate((presets) => {
    const params = structuredClone(presets.find((p) => p.__name === "Production"));
    delete params.__name;
    const out = {};
    for (const [group, field, value] of [["database", "storage_type", "aurora-x"], ["networking", "subnet_type", "public"],
      ["scaling", "reader_count", 2.5]]) {
      const changed = structuredClone(params);
      changed[group][field] = value;
      out[`${group}.${field}`] = window.previewValidate(changed);
    }
    return out;
  }, presets);
  report.outside_choices_console_errors = consoleErrors;
  await page.close();
}
report.seconds = (Date.now() - started) / 1000;
report.title = schema.title;
await context.close();
rmSync(userDataDir, { recursive: true, force: true });
writeFileSync(resolve(dir, "report.json"), JSON.stringify(report, null, 2) + "\n");
