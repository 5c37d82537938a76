// A device's page (a pico with esproto_device): its status, thresholds,
// readings plot and recent violations, from esproto_device's queries on
// its query channel (the esproto prototypes'), or the dashboard's own.
import * as api from "./api.js";
import { h, fill, table, ago, when, json, errorBox } from "./dom.js";
import * as plot from "./plot.js";

const POLL_MS = 5000;

export function deviceView(app, node) {
  const eci = () => api.readEci(node.eci, ["esproto", "query"]);
  const mode = h("span.badge#live-mode", "polling");
  const statusBox = h("div#device-status");
  const violationsBox = h("div#device-violations");
  let thresholds = {};
  const plotPanel = plot.panel(async () => ({
    eci: await eci(),
    name: node.name,
    thresholds,
    types: Object.keys(thresholds),
  }));
  plotPanel.el.id = "device-plot";

  async function load() {
    const e = await eci();
    const [status, th, violations] = await Promise.all([
      api.query(e, "esproto_device", "status"),
      api.query(e, "esproto_device", "thresholds"),
      api.query(e, "esproto_device", "violations", { limit: 10 }),
    ]);
    thresholds = th || {};
    fill(
      statusBox,
      table(
        ["State", "Last heard", "Battery", "Heartbeat every", "Thresholds"],
        [
          [
            status.silent ? h("span.badge.bad", "silent") : h("span.badge.good", "ok"),
            h("span", { title: when(status.last_heard) }, ago(status.last_heard)),
            status.battery === null || status.battery === undefined ? "" : `${status.battery}%`,
            `${status.heartbeat_interval_seconds} s`,
            json(thresholds),
          ],
        ]
      )
    );
    fill(
      violationsBox,
      (violations || []).length
        ? table(
            ["Received", "Sensor", "Value", "Message"],
            violations.map((v) => [when(v.received || v.timestamp), v.sensor_type, String(v.value), v.message])
          )
        : h("p.muted", "No violations.")
    );
  }

  const el = h(
    "div.device",
    h("div.row", h("h3", `Device ${node.name}`), mode),
    h("section", statusBox),
    h("section", h("h4", "Readings"), plotPanel.el),
    h("section", h("h4", "Recent violations"), violationsBox)
  );
  const stop = api.watch({
    eci: () => api.dashboardEci(node.eci),
    names: ["wovyn:heartbeat", "wovynEmitter:thingHeartbeat", "esproto:threshold_violation"],
    everyMs: POLL_MS,
    onMode: (m) => (mode.textContent = m === "live" ? "live" : `polling every ${POLL_MS / 1000} s`),
    refresh: async () => {
      await load().catch((e) => fill(statusBox, errorBox(e)));
      await plotPanel.refresh();
    },
  });
  return { el, stop };
}
