// A device's readings over time (esproto_device's `history`, a sensor type
// at a time) drawn with uPlot (vendor/uplot, loaded by index.html as the
// global `uPlot`), with the device's thresholds as dashed lines.
import * as api from "./api.js";
import { h, fill, errorBox } from "./dom.js";

export const RANGES = [
  ["1 hour", 3600e3],
  ["6 hours", 6 * 3600e3],
  ["1 day", 24 * 3600e3],
  ["2 days", 48 * 3600e3],
];
const PAGE = 1000; // logs:range's largest page
const MAX_PAGES = 5; // at most 5,000 points a plot

// All readings of `sensorType` since `sinceMs`, oldest first: [[t (s)], [value]].
export async function readings(eci, sensorType, sinceMs) {
  const points = [];
  let cursor = null;
  for (let page = 0; page < MAX_PAGES; page++) {
    const args = { sensor_type: sensorType, limit: PAGE, since: sinceMs };
    if (cursor) args.cursor = cursor;
    const answer = await api.query(eci, "esproto_device", "history", args);
    for (const e of answer.entries || []) {
      const t = Date.parse(e.time);
      const v = e.entry && e.entry.value;
      if (Number.isFinite(t) && typeof v === "number") points.push([t / 1000, v]);
    }
    cursor = answer.next;
    if (!cursor) break;
  }
  points.sort((a, b) => a[0] - b[0]);
  return [points.map((p) => p[0]), points.map((p) => p[1])];
}

function limitsOf(threshold) {
  const out = [];
  if (threshold && typeof threshold.upper_limit === "number")
    out.push(["upper", threshold.upper_limit]);
  if (threshold && typeof threshold.lower_limit === "number")
    out.push(["lower", threshold.lower_limit]);
  return out;
}

// Draws into `el` (replacing what it holds); el._uplot is the chart and
// el.dataset.points the number of points drawn.
export function draw(el, sensorType, data, threshold) {
  const limits = limitsOf(threshold);
  const width = Math.max(320, el.clientWidth || 640);
  if (el._uplot) el._uplot.destroy();
  el._uplot = null;
  fill(el);
  el.dataset.points = String(data[0].length);
  el.dataset.sensor = sensorType;
  if (!data[0].length) {
    el.append(h("p.muted", `No ${sensorType} readings in this range yet.`));
    return;
  }
  const opts = {
    width,
    height: 240,
    scales: {
      x: { time: true },
      y: {
        range: (u, min, max) => {
          const all = [min, max, ...limits.map((l) => l[1])].filter(Number.isFinite);
          const lo = Math.min(...all);
          const hi = Math.max(...all);
          const pad = Math.max(1, (hi - lo) * 0.1);
          return [lo - pad, hi + pad];
        },
      },
    },
    series: [
      {},
      {
        label: sensorType,
        stroke: "#1f6fb2",
        width: 2,
        points: { show: true, size: 6, fill: "#1f6fb2" },
      },
    ],
    axes: [{}, { size: 60 }],
    hooks: {
      draw: [
        (u) => {
          const ctx = u.ctx;
          ctx.save();
          ctx.setLineDash([6, 4]);
          ctx.lineWidth = 1.5 * devicePixelRatio;
          ctx.font = `${11 * devicePixelRatio}px sans-serif`;
          for (const [name, value] of limits) {
            const y = Math.round(u.valToPos(value, "y", true));
            ctx.strokeStyle = name === "upper" ? "#c62828" : "#ef6c00";
            ctx.fillStyle = ctx.strokeStyle;
            ctx.beginPath();
            ctx.moveTo(u.bbox.left, y);
            ctx.lineTo(u.bbox.left + u.bbox.width, y);
            ctx.stroke();
            ctx.textAlign = "right";
            ctx.fillText(`${name} limit ${value}`, u.bbox.left + u.bbox.width - 4, y - 4);
          }
          ctx.restore();
        },
      ],
    },
  };
  el._uplot = new uPlot(opts, data, el);
}

// A plot panel: sensor type and range pickers above the chart. `source()`
// answers {eci, thresholds, types} for the device shown. Returns
// {el, refresh()}.
export function panel(source) {
  let rangeMs = RANGES[2][1];
  let sensorType = null;
  const chart = h("div.plot");
  const typeSelect = h("select.plot-type", { onchange: () => ((sensorType = typeSelect.value), refresh()) });
  const rangeSelect = h(
    "select.plot-range",
    { onchange: () => ((rangeMs = Number(rangeSelect.value)), refresh()) },
    RANGES.map(([label, ms]) => h("option", { value: String(ms), selected: ms === rangeMs }, label))
  );
  const status = h("span.muted");
  const el = h("div.plot-panel", h("div.row", typeSelect, rangeSelect, status), chart);
  let drawing = null;
  async function refresh() {
    if (drawing) return drawing;
    drawing = (async () => {
      try {
        const s = await source();
        if (!s) {
          fill(chart, h("p.muted", "Pick a device to plot its readings."));
          return;
        }
        const types = s.types.length ? s.types : ["temperature"];
        if (!sensorType || !types.includes(sensorType)) sensorType = types[0];
        fill(typeSelect, types.map((t) => h("option", { value: t, selected: t === sensorType }, t)));
        const data = await readings(s.eci, sensorType, Date.now() - rangeMs);
        draw(chart, sensorType, data, (s.thresholds || {})[sensorType]);
        status.textContent = `${s.name}: ${data[0].length} readings`;
      } catch (e) {
        fill(chart, errorBox(e));
      } finally {
        drawing = null;
      }
    })();
    return drawing;
  }
  return { el, refresh };
}
