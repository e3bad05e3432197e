// Drives headless Chromium (Debian's chromium, through playwright-core) over the preview page: the params form
// under every renderer Massdriver's UI might run, for every preset, with the switches a user makes.
// Usage: node drive.mjs <preview dir> <chromium> [--screenshots] [--only=<rjsf>:<omit>[,...]]
//
// The matrix: RJSF 5.24 and 6 (form5.js, form6.js) x {default, omit (omitExtraData), live (omitExtraData +
// liveOmit)} x every preset (the params schema's `examples`, from data.js). In every cell:
//   render: console errors, the conditional sections on screen, every alarm's threshold box and its value;
//   initial: submit the preset as it is;
//   class_switch: the class to db.serverless and back (a serverless preset: to a provisioned class and back),
//     a submit at every step;
//   autoscaling_off: autoscaling mode to disabled (a preset where it is off is switched on first), submit;
//   alarm_threshold: an alarm off, on again, a custom threshold typed, submit.
// Every submit records the console errors, the html5-invalid fields, RJSF's error list, whether it submitted
// and the formData it submitted (or, when it did not, the formData the form holds). Once per major, under
// the default settings: five bad values typed (each into a fresh form of the first preset with reader
// autoscaling on, so its target is on screen) and values outside a choice.
// A step that cannot be played (a field missing, the page crashed) is recorded as the block's `error`, the page
// is loaded again and the run goes on: the test fails that block with the message.
// Writes <preview dir>/report.json; with --screenshots also <preset>.png (RJSF 6, default settings).
import { chromium } from "playwright-core";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";

const [dir, executablePath, ...flags] = process.argv.slice(2);
if (!dir || !executablePath) throw new Error("usage: node drive.mjs <preview dir> <chromium> [--screenshots] [--only=6:default,...]");
const screenshots = flags.includes("--screenshots");
const only = flags.find((f) => f.startsWith("--only="))?.slice("--only=".length).split(",");
const page0 = pathToFileURL(resolve(dir, "index.html")).href;
const { presets, schema, uiSchema, renderers: RENDERERS, settings: SETTINGS } = JSON.parse(
  readFileSync(resolve(dir, "data.js"), "utf8").replace(/^window\.PREVIEW = /, "").replace(/;\s*$/, ""),
);
const slug = (name) => name.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "");

// RENDERERS (form5.js: @rjsf/core 5.24, form6.js: @rjsf/core 6; build.mjs) and SETTINGS (app.jsx's) come
// from data.js (form_preview.py).
const MAIN = { rjsf: "6", omit: "default" }; // the renderer of the screenshots
const SERVERLESS = "db.serverless";

// The schema of a dotted field path with every conditional branch's properties merged in (if/then/else,
// allOf/anyOf/oneOf, dependencies and their oneOf): the form shows a field from whichever branch applies.
function branches(node) {
  const found = [node];
  for (const key of ["then", "else"]) if (node?.[key] && typeof node[key] === "object") found.push(...branches(node[key]));
  for (const key of ["allOf", "anyOf", "oneOf"]) for (const sub of node?.[key] ?? []) found.push(...branches(sub));
  for (const dep of Object.values(node?.dependencies ?? {})) if (dep && !Array.isArray(dep)) found.push(...branches(dep));
  return found;
}
function fieldNodes(path) {
  let nodes = [schema];
  for (const name of path ? path.split(".") : []) {
    nodes = nodes.flatMap(branches).map((n) => (/^\d+$/.test(name) ? n.items : n.properties?.[name])).filter(Boolean);
  }
  return nodes.flatMap(branches);
}
const fieldSchema = (path) => Object.assign({}, ...fieldNodes(path));
const propertiesOf = (path) => [...new Set(fieldNodes(path).flatMap((n) => Object.keys(n.properties ?? {})))];
const uiAt = (path) => path.split(".").reduce((node, name) => node?.[/^\d+$/.test(name) ? "items" : name], uiSchema) ?? {};
// What a select shows for a value: ui:enumNames, a oneOf/anyOf option's title, or the value itself.
function labelsOf(path, value) {
  const field = fieldSchema(path) ?? {};
  const labels = [];
  const i = (field.enum ?? []).indexOf(value);
  if (i >= 0 && uiAt(path)["ui:enumNames"]) labels.push(uiAt(path)["ui:enumNames"][i]);
  for (const option of [...(field.oneOf ?? []), ...(field.anyOf ?? [])]) if (option.const === value && option.title) labels.push(option.title);
  labels.push(String(value));
  return labels;
}
const idOf = (path) => "root_" + path.replaceAll(".", "_");

// Conditional sections: the id of one field that is on screen only when the section is.
const SECTIONS = {
  serverless_capacity: "root_scaling_serverless_min_capacity",
  autoscaling_bounds: "root_scaling_autoscaling_min_readers",
  acu_alarm: "root_alarms_acu_utilization_threshold",
  db_load_alarm: "root_alarms_db_load_threshold",
};
const ALARMS = propertiesOf("alarms"); // every alarm any branch adds
const SWITCHED_ALARM = { name: ALARMS.includes("cpu_utilization") ? "cpu_utilization" : ALARMS[0], threshold: 95 };
// A provisioned class for the serverless presets' switch: the first provisioned preset's.
const PROVISIONED = presets.map((p) => p.database?.instance_class).find((c) => c && c !== SERVERLESS)
  ?? (fieldSchema("database.instance_class").enum ?? []).find((c) => c !== SERVERLESS);
// Five bad values a person might type, each into a fresh form. (Out-of-range numbers are
// refused by the browser itself, from the min/max/step RJSF puts on number inputs: these get past it.)
const BAD_VALUES = [
  { field: "database.maintenance_window", value: "sunday 5am" },
  { field: "backup.window", value: "3-4" },
  { field: "database.snapshot_identifier", value: "my snapshot" },
  { field: "scaling.autoscaling.target", value: "0" },
  { field: "database.custom_endpoints.0.name", value: "Reports!", add: "database.custom_endpoints" },
];
const BAD_VALUES_PRESET = slug((presets.find((p) => p.scaling?.autoscaling?.mode !== "disabled") ?? presets[0]).__name);

const userDataDir = mkdtempSync(join(tmpdir(), "aurora-preview-chromium-"));
const context = await chromium.launchPersistentContext(userDataDir, {
  executablePath,
  headless: true,
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync"],
  viewport: { width: 900, height: 1000 },
});

// Runs in the page (installed as window.__drive): a person's input as the DOM events it fires (a click on a
// checkbox or the submit button, a change of a select, an input into a text box; React listens to exactly
// these), each followed by a settle (`frames`: no fixed sleep), and what the page then shows. `run` plays a
// list of such steps in one round trip: Playwright's own actions wait for actionability (visible, stable,
// scrolled into view), about 100 ms each, and the matrix makes some 700 actions.
function pageDriver() {
  // React renders a discrete event's update (click, change, input) before the event's dispatch returns
  // (SyncLane, flushed with its effects), and RJSF's onChange queue runs inside that update; two macrotask turns
  // (a MessageChannel message, the channel React's scheduler posts its own work on) let anything queued run.
  const turn = () => new Promise((done) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = () => done();
    channel.port2.postMessage(0);
  });
  const frames = async () => { await turn(); await turn(); };
  const shown = (el) => Boolean(el && el.getClientRects().length && getComputedStyle(el).visibility !== "hidden");
  const byId = (id) => {
    const el = document.getElementById(id);
    if (!el) throw new Error(`#${id} is not on the page`);
    return el;
  };
  const state = () => window.previewState;
  return {
    frames,
    visible: (sections) => Object.fromEntries(Object.entries(sections).map(([name, id]) => [name, shown(document.getElementById(id))])),
    // Every alarm's enabled box and threshold box: on screen or not, and what it shows.
    alarms: (names) => Object.fromEntries(names.map((name) => {
      const enabled = document.getElementById(`root_alarms_${name}_enabled`);
      const threshold = document.getElementById(`root_alarms_${name}_threshold`);
      return [name, {
        enabled_shown: shown(enabled),
        enabled: enabled ? (enabled.type === "checkbox" ? enabled.checked : enabled.value) : null,
        threshold_shown: shown(threshold),
        threshold: threshold ? threshold.value : null,
      }];
    })),
    async fresh(presetSlug) {
      window.previewChoose(presetSlug);
      await frames();
      const started = performance.now();
      while (state().preset !== presetSlug || !document.querySelector("form")) {
        if (performance.now() - started > 10000) throw new Error(`no form for the preset ${presetSlug} after 10 s`);
        await frames();
      }
    },
    async select(id, labels) {
      const el = byId(id);
      const option = [...el.options].find((o) => labels.includes(o.textContent.trim()));
      if (!option) throw new Error(`#${id}: no option ${JSON.stringify(labels)} among ${JSON.stringify([...el.options].map((o) => o.textContent))}`);
      el.value = option.value;
      el.dispatchEvent(new Event("change", { bubbles: true }));
      await frames();
    },
    async check(id, value) {
      const el = byId(id);
      if (el.checked !== value) el.click();
      await frames();
    },
    async type(id, value) {
      const el = byId(id);
      el.focus();
      // React tracks an input's value through the prototype's setter: set it there, then fire input and blur.
      Object.getOwnPropertyDescriptor(Object.getPrototypeOf(el), "value").set.call(el, String(value));
      el.dispatchEvent(new Event("input", { bubbles: true }));
      el.blur();
      await frames();
    },
    async click(selector) {
      document.querySelector(selector).click();
      await frames();
    },
    // Plays `ops` in order; what the observe and submit steps saw, by their `as` key.
    async run(ops, sections, names) {
      const out = {};
      const record = (key, found) => { out[key] = { ...out[key], ...found }; };
      for (const op of ops) {
        if (op.op === "fresh") await this.fresh(op.slug);
        else if (op.op === "select") await this.select(op.id, op.labels);
        else if (op.op === "boolean") {
          if (document.getElementById(op.id)?.type === "checkbox") await this.check(op.id, op.value);
          else await this.select(op.id, op.labels);
        } else if (op.op === "type") {
          const there = shown(document.getElementById(op.id));
          if (there) await this.type(op.id, op.value);
          record(op.as, { typed: there });
        } else if (op.op === "observe") {
          record(op.as, { visible: this.visible(sections), alarms: this.alarms(names) });
        } else if (op.op === "submit") record(op.as, await this.submit(op.timeoutMs ?? 10000));
        else throw new Error(`unknown step ${JSON.stringify(op)}`);
      }
      return out;
    },
    // Submit as a person does (the submit button: the browser's constraint validation first, then RJSF's).
    async submit(timeoutMs) {
      const before = { s: state().submits, e: state().errorRuns };
      const invalid = [...document.querySelectorAll("form input:invalid, form select:invalid, form textarea:invalid")]
        .map((el) => el.id || el.name);
      document.querySelector("form button[type=submit]").click();
      const started = performance.now();
      // The browser refuses a form with html5-invalid fields before RJSF sees it: nothing to wait for then.
      while (!invalid.length && state().submits === before.s && state().errorRuns === before.e
        && performance.now() - started < timeoutMs) await frames();
      await frames();
      const submitted = state().submits > before.s;
      return {
        submitted,
        validated: submitted || state().errorRuns > before.e,
        html5_invalid: invalid,
        validation_errors: submitted ? [] : state().errors,
        errors_on_screen: [...document.querySelectorAll(".error-detail li, .panel-danger li")].map((li) => li.textContent.trim()),
        // What it submitted, or (refused) the formData the form holds.
        form_data: JSON.parse(JSON.stringify((submitted ? state().submitted : state().formData) ?? null)),
      };
    },
  };
}
await context.addInitScript({ content: `window.__drive = (${pageDriver.toString()})();` });

// One page per renderer and settings; console messages go to whichever step is running.
async function openRenderer(rjsf, omit, presetSlug) {
  const page = await context.newPage();
  const sink = { messages: [] };
  page.on("console", (m) => { if (m.type() === "error" || m.type() === "warning") sink.messages.push(`${m.type()}: ${m.text()}`); });
  page.on("pageerror", (e) => sink.messages.push(`pageerror: ${e.message}`));
  await page.goto(`${page0}?rjsf=${rjsf}&omit=${omit}&preset=${presetSlug}`);
  await page.waitForFunction(() => window.previewReady === true && document.querySelector("form"));
  return { page, sink };
}
// Messages logged since the last call.
const drain = (sink) => sink.messages.splice(0);

// Steps played in the page in one round trip (pageDriver's run), with the console messages they caused.
async function play(page, sink, ops) {
  return { ...(await page.evaluate(([o, sections, names]) => window.__drive.run(o, sections, names), [ops, SECTIONS, ALARMS])),
    console_errors: drain(sink) };
}
// The steps: a fresh form on the preset, as a new page would show it (app.jsx remounts RJSF's Form); a choice in
// a select (by the label it shows for the value); a boolean; a value typed (when its box is on screen); what the
// page shows (conditional sections, alarms); a submit.
const fresh = (slug) => ({ op: "fresh", slug });
const select = (path, value) => ({ op: "select", id: idOf(path), labels: labelsOf(path, value) });
const boolean = (path, value) => ({ op: "boolean", id: idOf(path), value, labels: labelsOf(path, value) });
const type = (path, value, as) => ({ op: "type", id: idOf(path), value, as });
const observe = (as) => ({ op: "observe", as });
const submit = (as) => ({ op: "submit", as });

// Runs one block of a cell; when it cannot be played, records why and loads the page again.
async function guarded(out, name, page, sink, block) {
  const started = Date.now();
  try {
    await block();
  } catch (error) {
    out[name] = { error: `${error.message ?? error}`.split("\n")[0], console_errors: drain(sink) };
    await page.reload();
    await page.waitForFunction(() => window.previewReady === true && document.querySelector("form"));
  }
  out.ms[name] = Date.now() - started;
}

async function cell(page, sink, preset) {
  const s = slug(preset.__name);
  const out = { preset: preset.__name, slug: s, ms: {} };

  await guarded(out, "render", page, sink, async () => {
    const render = await play(page, sink, [fresh(s), observe("render")]);
    out.render = {
      ...render.render,
      ...(await page.evaluate(() => ({
        section_px: Object.fromEntries(["root_database", "root_scaling", "root_alarms"].map(
          (id) => [id.replace("root_", ""), Math.round(document.getElementById(id)?.getBoundingClientRect().height ?? 0)])),
        cost: document.getElementById("cost")?.innerText ?? null,
      }))),
      console_errors: render.console_errors,
    };
  });
  await guarded(out, "initial", page, sink, async () => {
    if (out.render.error) throw new Error("not rendered");
    const initial = await play(page, sink, [submit("initial")]);
    out.initial = { ...initial.initial, console_errors: initial.console_errors };
  });

  await guarded(out, "class_switch", page, sink, async () => { // the instance class to db.serverless and back (a serverless preset: to a provisioned class and back)
    const start = preset.database.instance_class;
    const other = start === SERVERLESS ? PROVISIONED : SERVERLESS;
    const r = await play(page, sink, [fresh(s),
      select("database.instance_class", other), observe("away"), submit("away"),
      select("database.instance_class", start), observe("back"), submit("back")]);
    out.class_switch = { from: start, steps: [{ class: other, ...r.away }, { class: start, ...r.back }], console_errors: r.console_errors };
  });
  await guarded(out, "autoscaling_off", page, sink, async () => { // autoscaling off (a preset where it is off: on, on connections, first)
    const start = preset.scaling.autoscaling.mode;
    const modes = start === "disabled" ? ["connections", "disabled"] : ["disabled"];
    const r = await play(page, sink, [fresh(s), observe("0"),
      ...modes.flatMap((mode, i) => [select("scaling.autoscaling.mode", mode), observe(String(i + 1))]), submit(String(modes.length))]);
    const steps = [start, ...modes].map((mode, i) => ({ mode, ...r[String(i)] }));
    out.autoscaling_off = { steps, console_errors: r.console_errors };
  });
  await guarded(out, "alarm_threshold", page, sink, async () => { // an alarm off, on again, a custom threshold typed
    const { name, threshold } = SWITCHED_ALARM;
    const r = await play(page, sink, [fresh(s), observe("initial"),
      boolean(`alarms.${name}.enabled`, false), observe("off"),
      boolean(`alarms.${name}.enabled`, true), observe("on"),
      type(`alarms.${name}.threshold`, threshold, "typed"), observe("typed"), submit("typed")]);
    const steps = ["initial", "off", "on", "typed"].map((step) => {
      const { alarms: seen, visible: _, ...rest } = r[step];
      return { step, ...seen[name], ...rest };
    });
    out.alarm_threshold = { alarm: name, typed: threshold, steps, console_errors: r.console_errors };
  });
  return out;
}

async function badValues(page, sink) {
  const found = [];
  for (const bad of BAD_VALUES) {
    const id = idOf(bad.field);
    await play(page, sink, [fresh(BAD_VALUES_PRESET)]);
    if (bad.add) await page.evaluate((sel) => window.__drive.click(sel), `fieldset#${idOf(bad.add)} .btn-add`);
    const seen = await page.evaluate((i) => ({
      placeholder: document.getElementById(i)?.getAttribute("placeholder") ?? null,
      help: document.getElementById(i)?.closest(".form-group")?.querySelector(".help-block")?.textContent ?? null,
    }), id);
    const r = await play(page, sink, [type(bad.field, bad.value, "typed"), submit("typed")]);
    const fieldErrors = await page.evaluate((i) => {
      const group = document.getElementById(i)?.closest(".form-group");
      return group ? [...group.querySelectorAll(".error-detail li")].map((li) => li.textContent.trim()) : [];
    }, id);
    found.push({ ...bad, ...seen, field_errors: fieldErrors, ...r.typed, console_errors: r.console_errors });
  }
  return found;
}

// Values a form may hold but not offer: a preset (or a package's params) outside a choice.
async function outsideChoices(page, sink) {
  drain(sink);
  const found = await page.evaluate((preset) => {
    const params = structuredClone(preset);
    delete params.__name;
    const out = {};
    for (const [group, field, value] of [["database", "storage_type", "aurora-x"], ["networking", "subnet_type", "public"],
      ["scaling", "reader_count", 2.5]]) {
      const changed = structuredClone(params);
      changed[group][field] = value;
      out[`${group}.${field}`] = window.previewValidate(changed);
    }
    return out;
  }, presets.find((p) => slug(p.__name) === BAD_VALUES_PRESET));
  return { preset: BAD_VALUES_PRESET, found, console_errors: drain(sink) };
}

// The renderers' pages run side by side (PARALLEL at a time), each going through the presets in sequence.
async function runRenderer(rjsf, omit) {
  const { page, sink } = await openRenderer(rjsf, omit, slug(presets[0].__name));
  const renderer = await page.evaluate(() => window.previewState.renderer);
  const out = { renderer: { ...renderer, load_console_errors: drain(sink) }, cells: [] };
  for (const preset of presets) {
    const found = await cell(page, sink, preset);
    out.cells.push({ rjsf, omit, ...found });
    if (screenshots && rjsf === MAIN.rjsf && omit === MAIN.omit) {
      await play(page, sink, [fresh(found.slug)]);
      await page.screenshot({ path: resolve(dir, `${found.slug}.png`), fullPage: true });
      if (found.slug === "production-serverless") { // the README's picture: the scaling section of a serverless preset
        await page.locator("fieldset#root_scaling").screenshot({ path: resolve(dir, "readme-scaling.png") });
      }
      drain(sink);
    }
  }
  if (omit === "default") {
    const once = { ms: {} };
    await guarded(once, "bad_values", page, sink, async () => { once.bad_values = await badValues(page, sink); });
    await guarded(once, "outside_choices", page, sink, async () => { once.outside_choices = await outsideChoices(page, sink); });
    Object.assign(out, { bad_values: once.bad_values, outside_choices: once.outside_choices });
  }
  await page.close();
  return out;
}

const PARALLEL = Number(process.env.FORM_PAGES ?? 3);
const report = { renderers: {}, cells: [], bad_values: {}, outside_choices: {} };
const started = Date.now();
const jobs = RENDERERS.flatMap((rjsf) => SETTINGS.map((omit) => [rjsf, omit]))
  .filter(([rjsf, omit]) => !only || only.includes(`${rjsf}:${omit}`));
const results = new Array(jobs.length);
let next = 0;
await Promise.all(Array.from({ length: Math.min(PARALLEL, jobs.length) }, async () => {
  while (next < jobs.length) {
    const i = next++;
    results[i] = await runRenderer(...jobs[i]);
  }
}));
for (const [i, [rjsf, omit]] of jobs.entries()) {
  const found = results[i];
  report.renderers[`${rjsf}:${omit}`] = found.renderer;
  report.cells.push(...found.cells);
  if (found.bad_values) {
    report.bad_values[rjsf] = found.bad_values;
    report.outside_choices[rjsf] = found.outside_choices;
  }
}
report.seconds = (Date.now() - started) / 1000;
report.title = schema.title;
await context.close();
rmSync(userDataDir, { recursive: true, force: true });
writeFileSync(resolve(dir, "report.json"), JSON.stringify(report, null, 2) + "\n");
