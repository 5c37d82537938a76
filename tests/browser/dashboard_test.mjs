// Drives spime's dashboard in headless Chromium (Debian's /usr/bin/chromium,
// or $CHROMIUM) with puppeteer-core, against a running `spime serve`:
//   node dashboard_test.mjs <engine url> <screenshot dir> <esproto payload dir>
// Loads `/`, makes a collection from the root's About tab, opens it from
// the pico tree, makes a device from a prototype and adds it to the
// collection through the page, posts ESProto heartbeats to the device's
// heartbeat URL, and waits for the violation to appear in the page's
// violation log and the plot to draw the readings; then opens the pico
// panels (channels, subscriptions, testing, the device's page, its logs
// and its entity variables). Screenshots
// go to <screenshot dir>. Exit 0 when every step passed with no page error,
// no console error and no failed request (the SSE stream's refusal aside:
// an engine without streams answers 404 there and the page polls); 1
// otherwise, with the step that failed. Every wait is bounded.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import puppeteer from "puppeteer-core";

const [base, shots, payloads] = process.argv.slice(2);
if (!base || !shots || !payloads) {
  console.error("usage: node dashboard_test.mjs <engine url> <screenshot dir> <esproto payload dir>");
  process.exit(2);
}
const TOTAL_MS = 150000; // the whole run
const STEP_MS = 20000; // one wait
const killer = setTimeout(() => {
  console.error(`FAILED: the run took over ${TOTAL_MS / 1000} s`);
  process.exit(1);
}, TOTAL_MS);

fs.mkdirSync(shots, { recursive: true });
const profile = fs.mkdtempSync(path.join(os.tmpdir(), "spime-dashboard-"));
const browser = await puppeteer.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  headless: true,
  userDataDir: profile,
  timeout: STEP_MS,
  args: ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"],
});
const problems = [];
const isStream = (url) => /\/stream(\?|$)/.test(url);
const page = await browser.newPage();
page.setDefaultTimeout(STEP_MS);
await page.setViewport({ width: 1280, height: 900 });
page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
page.on("console", (m) => {
  if (m.type() !== "error") return;
  const where = m.location() && m.location().url ? m.location().url : "";
  if (isStream(where) || /EventSource|text\/event-stream/.test(m.text())) return;
  problems.push(`console error: ${m.text()} ${where}`);
});
page.on("requestfailed", (r) => {
  if (!isStream(r.url())) problems.push(`request failed: ${r.url()} ${r.failure()?.errorText}`);
});
page.on("response", (r) => {
  if (r.status() >= 400 && !isStream(r.url())) problems.push(`HTTP ${r.status()}: ${r.url()}`);
});

let step = "";
const begin = (s) => {
  step = s;
  console.log(`step: ${s}`);
};
const shot = async (name) => {
  const file = path.join(shots, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  console.log(`screenshot ${file}`);
};
const click = async (selector) => {
  await page.waitForSelector(selector, { visible: true });
  await page.click(selector);
};
const textOf = (selector) => page.$eval(selector, (el) => el.textContent);

async function heartbeat(url, file) {
  const body = fs.readFileSync(path.join(payloads, file), "utf8");
  const ctl = new AbortController();
  const timer = setTimeout(() => ctl.abort(), 10000);
  try {
    const r = await fetch(url, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body,
      signal: ctl.signal,
    });
    const text = await r.text();
    if (r.status !== 200) throw new Error(`heartbeat ${file}: HTTP ${r.status} ${text}`);
    return JSON.parse(text);
  } finally {
    clearTimeout(timer);
  }
}

let failed = null;
try {
  begin("load /");
  await page.goto(`${base}/`, { waitUntil: "domcontentloaded" });
  await page.waitForSelector("body[data-ready='1']");
  await page.waitForSelector("#tree a[data-eci]");
  await shot("1-overview");

  begin("open the root pico and make a collection from the prototype 'collection'");
  await click("#tree ul.tree > li > a[data-eci]");
  await page.waitForSelector("#new-child-prototype option[value='collection']");
  await page.type("#new-child-name", "hallway");
  await page.select("#new-child-prototype", "collection");
  await click("#new-child-submit");
  await page.waitForFunction(
    () => document.querySelector("#new-child-result")?.textContent.includes("Made hallway"));
  await page.waitForSelector("#tree a[data-name='hallway']");
  await shot("2-collection-made");

  begin("open the collection from the pico tree");
  await click("#tree a[data-name='hallway']");
  await page.waitForFunction(() => document.querySelector("#members")?.textContent.includes("No members yet"));

  begin("make a device from the prototype 'esproto-temp' and add it to the collection");
  await page.waitForSelector("#new-device-prototype option[value='esproto-temp']");
  await page.type("#new-device-name", "sensor1");
  await page.select("#new-device-prototype", "esproto-temp");
  await click("#new-device-submit");
  await page.waitForFunction(
    () => document.querySelector("#new-device-result code[data-transducer-url]")?.dataset.transducerUrl);
  const transducer = await page.$eval("#new-device-result code", (el) => el.dataset.transducerUrl);
  console.log(`heartbeat URL: ${transducer}`);
  await page.waitForSelector("#members a.member[data-member='sensor1']");
  await page.waitForSelector("#tree a[data-name='sensor1']");
  await shot("3-device-added");

  begin("post heartbeats: normal, hot (a violation), normal, cold (a violation)");
  const answers = [];
  for (const f of ["temp-normal.json", "temp-hot.json", "temp-normal.json", "temp-cold.json"])
    answers.push(await heartbeat(transducer, f));
  const said = answers.map((a) => (a.directives || []).map((d) => d.name).join(",")).join(" | ");
  console.log(`heartbeat directives: ${said}`);

  begin("see the violations appear in the page's violation log");
  await page.waitForFunction(
    () => document.querySelectorAll("#violations table.violations tbody tr").length >= 2);
  console.log(`collection updates: ${await textOf("#live-mode")}`);
  const log = await textOf("#violations");
  if (!log.includes("sensor1") || !log.includes("above") || !log.includes("below"))
    throw new Error(`the violation log does not show both violations: ${log}`);

  begin("see the plot draw the four readings");
  await page.waitForFunction(() => {
    const el = document.querySelector("#device-plot .plot");
    return el && el._uplot && el._uplot.data[0].length >= 4 && el.querySelector("canvas");
  });
  const points = await page.$eval("#device-plot .plot", (el) => el._uplot.data[1]);
  console.log(`plotted: ${JSON.stringify(points)}`);
  const status = await textOf("#members");
  if (!/ok/.test(status) || !/%/.test(status)) throw new Error(`members show no state or battery: ${status}`);
  await shot("4-violations-and-plot");
  // The README's picture (docs/dashboard.png): the first screen, scaled down.
  const tall = await page.evaluate(() => Math.min(1200, document.documentElement.scrollHeight));
  await page.screenshot({
    path: path.join(shots, "readme.png"),
    captureBeyondViewport: true,
    clip: { x: 0, y: 0, width: 1280, height: tall, scale: 0.7 },
  });

  begin("page the violation log: ten more violations, then Older");
  for (let i = 0; i < 10; i++) await heartbeat(transducer, "temp-hot.json");
  await page.waitForFunction(() => {
    const older = [...document.querySelectorAll("#violations button")].find((b) => b.textContent === "Older");
    return document.querySelectorAll("#violations table.violations tbody tr").length === 10 && older && !older.disabled;
  });
  await page.$$eval("#violations button", (bs) => bs.find((b) => b.textContent === "Older").click());
  await page.waitForFunction(() =>
    document.querySelector("#violations")?.textContent.includes("page 2") &&
    document.querySelectorAll("#violations table.violations tbody tr").length === 2);
  const oldest = await textOf("#violations");
  if (!oldest.includes("below")) throw new Error(`page 2 should hold the first violations: ${oldest}`);

  begin("the collection's channels tab");
  await click("a.tab[data-tab='channels']");
  await page.waitForFunction(() => document.querySelector("table.channels")?.textContent.includes("collection"));
  await shot("5-channels");

  begin("the collection's subscriptions tab, with health");
  await click("a.tab[data-tab='subscriptions']");
  await click("#check-health");
  await page.waitForFunction(() => document.querySelector("#health")?.textContent.includes("valid"));
  await shot("6-subscriptions");

  begin("the testing tab: run a query from io.picolabs.subscription's __testing");
  await click("a.tab[data-tab='testing']");
  await page.waitForSelector("details summary code");
  const opened = await page.$$eval("details", (ds) => {
    const d = ds.find((x) => x.querySelector("summary code")?.textContent === "io.picolabs.subscription");
    if (d) d.open = true;
    return Boolean(d);
  });
  if (!opened) throw new Error("no io.picolabs.subscription in the testing tab");
  await page.waitForFunction(() =>
    [...document.querySelectorAll(".testing-rid button")].some((b) => b.textContent === "query established"));
  await page.$$eval(".testing-rid button", (bs) => bs.find((b) => b.textContent === "query established").click());
  await page.waitForFunction(() => document.querySelector("#testing-result")?.textContent.includes("Tx_role"));
  await shot("7-testing");

  begin("the device's page: status and plot");
  await click("#tree a[data-name='sensor1']");
  await page.waitForFunction(() => {
    const el = document.querySelector("#device-plot .plot");
    return el && el._uplot && el._uplot.data[0].length >= 4;
  });
  await page.waitForFunction(() => document.querySelector("#device-status")?.textContent.includes("%"));
  await shot("8-device");

  begin("the device's logs tab");
  await click("a.tab[data-tab='logs']");
  await page.waitForFunction(() => {
    const t = document.querySelector(".tab-body")?.textContent || "";
    return t.includes("No log entries.") || document.querySelector(".logs details");
  });
  console.log(`log episodes shown: ${await page.$$eval(".logs details", (d) => d.length)}`);
  await shot("9-logs");

  begin("the device's entity variables tab: esproto_device's `heard`");
  await click("a.tab[data-tab='entvars']");
  await page.waitForFunction(() =>
    [...document.querySelectorAll("section.entvars-rid[data-rid='esproto_device'] tr")].some(
      (tr) => tr.querySelector("code.entvar-name")?.textContent === "heard" && tr.querySelector("pre.json")));
  const heard = await page.$$eval("section.entvars-rid[data-rid='esproto_device'] tr", (trs) =>
    trs.find((tr) => tr.querySelector("code.entvar-name")?.textContent === "heard").querySelector("pre.json").textContent);
  console.log(`esproto_device heard: ${heard.replace(/\s+/g, " ").slice(0, 200)}`);
  if (!heard.includes("battery")) throw new Error(`heard shows no battery: ${heard}`);
  const rids = await page.$$eval("section.entvars-rid", (ss) => ss.map((s) => s.dataset.rid));
  if (!rids.includes("io.picolabs.pico-engine-ui")) throw new Error(`no engine UI variables shown: ${rids}`);
  await shot("10-entvars");
} catch (e) {
  failed = e;
  console.log(`FAILED at step "${step}": ${String(e.message || e).split("\n")[0]}`);
  try {
    await shot("failure");
    console.log("page text:", JSON.stringify((await page.evaluate(() => document.body.innerText)).slice(0, 1500)));
  } catch (e2) {
    console.log(`no failure screenshot: ${e2.message}`);
  }
}
await browser.close();
fs.rmSync(profile, { recursive: true, force: true });
clearTimeout(killer);
if (problems.length) console.log(`PROBLEMS:\n  ${problems.join("\n  ")}`);
else console.log("no page errors, no console errors, no failed requests");
process.exit(failed || problems.length ? 1 : 0);
