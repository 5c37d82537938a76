// A pico's page: a tab per view. Collection and Device come first on the
// picos that have spimes_collection or esproto_device; About, Rulesets,
// Channels, Subscriptions, Logs and Testing are on every pico (what the
// reference's UI shows of a pico, read from the same queries), and Entity
// variables (the UI ruleset's `entvars`, ours, on the dashboard's channel).
import * as api from "./api.js";
import { h, fill, table, json, when, errorBox, errorText } from "./dom.js";
import { isCollection, isDevice, path } from "./tree.js";
import { collectionView } from "./collection.js";
import { deviceView } from "./device.js";

const SUBS = "io.picolabs.subscription";

export function tabsOf(node) {
  const tabs = [];
  if (isCollection(node)) tabs.push(["collection", "Collection"]);
  if (isDevice(node)) tabs.push(["device", "Device"]);
  tabs.push(
    ["about", "About"],
    ["rulesets", "Rulesets"],
    ["channels", "Channels"],
    ["subscriptions", "Subscriptions"],
    ["entvars", "Entity variables"],
    ["logs", "Logs"],
    ["testing", "Testing"]
  );
  return tabs;
}

// {el, stop} for one tab of a pico.
export function picoView(app, node, tab) {
  const tabs = tabsOf(node);
  if (!tabs.some(([id]) => id === tab)) tab = tabs[0][0];
  const body = h("div.tab-body");
  const el = h(
    "div.pico",
    h("h2", node.name || node.eci, h("span.muted.path", path(node))),
    h(
      "nav.tabs",
      tabs.map(([id, label]) =>
        h(`a.tab${id === tab ? ".active" : ""}`, { href: `#/pico/${node.eci}/${id}`, dataset: { tab: id } }, label)
      )
    ),
    body
  );
  let stop = () => {};
  const views = { collection: collectionView, device: deviceView };
  if (views[tab]) {
    const v = views[tab](app, node);
    body.append(v.el);
    stop = v.stop;
  } else {
    const panels = { about, rulesets, channels, subscriptions, entvars, logs, testing };
    panels[tab](app, node, body).catch((e) => body.append(errorBox(e)));
  }
  return { el, stop };
}

// ---- About: names, links, a new child ------------------------------------------

async function about(app, node, body) {
  const picoLink = (n) => h("a", { href: `#/pico/${n.eci}` }, n.name || n.eci);
  const nameInput = h("input#new-child-name", { placeholder: "name", required: true });
  const protoSelect = h("select#new-child-prototype", h("option", { value: "" }, "(no prototype)"));
  const result = h("div#new-child-result");
  api
    .prototypes()
    .then((list) => protoSelect.append(...list.map((p) => h("option", { value: p.name }, p.name))))
    .catch((e) => fill(result, errorBox(e)));
  fill(
    body,
    table(
      ["", ""],
      [
        ["Name", node.name],
        ["UI ECI", h("code", node.eci)],
        ["Parent", node.parent ? picoLink(node.parent) : "none (the root)"],
        ["Children", node.children.length ? node.children.map((c) => [picoLink(c), " "]) : "none"],
      ],
      { class: "about" }
    ),
    h("h4", "New child"),
    h(
      "form#new-child.row",
      {
        onsubmit: async (e) => {
          e.preventDefault();
          const name = nameInput.value.trim();
          if (!name) return;
          try {
            const own = await api.dashboardEci(node.eci);
            const attrs = { name };
            if (protoSelect.value) attrs.prototype = protoSelect.value;
            const made = await api.event(own, "wrangler", "new_child_request", attrs);
            const options = api.directive(made, "new_child") || {};
            fill(result, h("span", `Made ${name}`), options.transducer_url ? [" — heartbeat URL ", h("code", options.transducer_url)] : null);
            nameInput.value = "";
            await app.reloadTree();
          } catch (err) {
            fill(result, h("div.error", errorText(err)));
          }
        },
      },
      nameInput,
      protoSelect,
      h("button#new-child-submit", { type: "submit" }, "Make")
    ),
    result
  );
}

// ---- Rulesets, Channels -----------------------------------------------------------

async function rulesets(app, node, body) {
  const d = await api.details(node.eci);
  fill(
    body,
    table(
      ["RID", "Version", "URL", "Flushed", "Config"],
      (d.rulesets || []).map((r) => [
        h("code", r.rid),
        r.version ?? "",
        r.url ? h("code.url", r.url) : "",
        r.flushed ? when(r.flushed) : "",
        r.config && Object.keys(r.config).length ? json(r.config) : "",
      ]),
      { class: "rulesets" }
    )
  );
}

async function channels(app, node, body) {
  const d = await api.details(node.eci);
  fill(
    body,
    table(
      ["ECI", "Tags", "Event policy", "Query policy", "Schema"],
      (d.channels || []).map((c) => [
        h("code", c.id),
        [(c.tags || []).join(", "), c.familyChannelPicoID ? h("span.badge", "family") : null],
        json(c.eventPolicy),
        json(c.queryPolicy),
        c.attrsSchema ? json(c.attrsSchema) : "",
      ]),
      { class: "channels" }
    )
  );
}

// ---- Subscriptions (with health) ---------------------------------------------------

async function subscriptions(app, node, body) {
  const [established, inbound, outbound] = await Promise.all(
    ["established", "inbound", "outbound"].map((q) => api.query(node.eci, SUBS, q))
  );
  const healthBox = h("div#health");
  const rows = (list) =>
    (list || []).map((s) => [
      h("code", s.Id),
      s.Rx_role ?? "",
      s.Tx_role ?? "",
      h("code", s.Tx ?? s.wellKnown_Tx ?? ""),
      s.Tx_host ?? "this engine",
    ]);
  const headers = ["Id", "Our role", "Their role", "Tx", "Host"];
  fill(
    body,
    h("h4", "Established"),
    table(headers, rows(established)),
    h(
      "button#check-health",
      {
        onclick: async () => {
          fill(healthBox, h("span.muted", "Asking every subscription..."));
          try {
            const health = await api.query(await api.dashboardEci(node.eci), SUBS, "health");
            fill(
              healthBox,
              table(
                ["Id", "Status", "Reason"],
                (health || []).map((s) => [
                  h("code", s.Id),
                  h(`span.badge.${s.status === "valid" ? "good" : "bad"}`, s.status),
                  s.reason ?? "",
                ])
              )
            );
          } catch (e) {
            fill(healthBox, errorBox(e));
          }
        },
      },
      "Check health"
    ),
    healthBox,
    h("h4", "Inbound (pending)"),
    table(headers, rows(inbound)),
    h("h4", "Outbound (pending)"),
    table(headers, rows(outbound))
  );
}

// ---- Entity variables (the UI ruleset's `entvars`, owner-only: asked on the dashboard's channel) --

async function entvars(app, node, body) {
  const answer = await api.query(await api.dashboardEci(node.eci), api.UI_RID, "entvars");
  const groups = (answer && answer.rulesets) || [];
  const value = (v) => {
    if (!v.truncated) return h("pre.json", JSON.stringify(v.value, null, 2));
    const of = typeof v.bytes === "number" ? ` of ${v.bytes.toLocaleString()}` : "";
    return [
      h("span.badge.warn.truncated", `truncated: first ${(answer.maxValueBytes || 0).toLocaleString()}${of} bytes`),
      h("pre.json", `${v.json}…`),
    ];
  };
  fill(
    body,
    h(
      "div.entvars",
      groups.length ? null : h("p.muted", "No entity variables."),
      groups.map((g) =>
        h(
          "section.entvars-rid",
          { dataset: { rid: g.rid } },
          h("h4", h("code", g.rid)),
          table(
            ["Name", "Value"],
            (g.variables || []).map((v) => [h("code.entvar-name", v.name), value(v)]),
            { class: "entvars" }
          )
        )
      ),
      answer && answer.more ? h("p.muted", `First ${answer.maxVariables} variables shown.`) : null
    )
  );
}

// ---- Logs (the UI ruleset's `logs`: [{txnId, time, header, entries}]) -----------

// The dashboard's own queries (and the reference UI's) are hidden unless the
// box is unticked: `hideUi` of `logs`, as the reference UI's toggle.
let showUiTraffic = false;

async function logs(app, node, body) {
  const args = showUiTraffic ? {} : { hideUi: true };
  const groups = await api.query(node.eci, api.UI_RID, "logs", args);
  const toggle = h("label.muted", h("input", { type: "checkbox", checked: showUiTraffic }), " show the UI's own traffic");
  toggle.querySelector("input").addEventListener("change", (e) => {
    showUiTraffic = e.target.checked;
    logs(app, node, body);
  });
  if (!Array.isArray(groups) || !groups.length) {
    fill(body, toggle, h("p.muted", "No log entries."));
    return;
  }
  fill(
    body,
    toggle,
    h(
      "div.logs",
      groups.map((g) =>
        h(
          "details",
          h("summary", h("code", `${g.time || ""} ${g.header || g.txnId || ""}`)),
          (g.entries || []).map((e) => h("pre", typeof e === "string" ? e : JSON.stringify(e)))
        )
      )
    )
  );
}

// ---- Testing: a ruleset's __testing, run on a channel of the pico ------------------

function formValues(form) {
  const out = {};
  for (const el of form.elements) {
    if (!el.name) continue;
    let v = el.value;
    try {
      v = JSON.parse(v);
    } catch (e) {
      // not JSON: the text as it is
    }
    if (el.value !== "") out[el.name] = v;
  }
  return out;
}

async function testing(app, node, body) {
  const d = await api.details(node.eci);
  const own = d.channels.find((c) => (c.tags || []).join(",") === api.DASHBOARD_TAG);
  const eciSelect = h(
    "select#testing-eci",
    h("option", { value: "" }, `the dashboard's channel (${api.DASHBOARD_TAG}${own ? "" : ", made when first used"})`),
    (d.channels || [])
      .filter((c) => !c.familyChannelPicoID && c !== own)
      .map((c) => h("option", { value: c.id }, `${c.id} (${(c.tags || []).join(", ")})`))
  );
  const output = h("pre#testing-result.json");
  const run = async (what, fn) => {
    output.textContent = `${what}...`;
    try {
      const eci = eciSelect.value || (await api.dashboardEci(node.eci));
      output.textContent = JSON.stringify(await fn(eci), null, 2);
    } catch (e) {
      output.textContent = errorText(e);
    }
  };
  const list = h("div.testing");
  for (const r of d.rulesets || []) {
    const box = h("div.testing-rid");
    list.append(
      h(
        "details",
        {
          ontoggle: async (e) => {
            if (!e.target.open || box.dataset.loaded) return;
            box.dataset.loaded = "1";
            try {
              const t = (await api.query(node.eci, r.rid, "__testing")) || {};
              fill(
                box,
                (t.queries || []).map((q) =>
                  h(
                    "form.row",
                    {
                      onsubmit: (ev) => {
                        ev.preventDefault();
                        run(`query ${q.name}`, (eci) => api.query(eci, r.rid, q.name, formValues(ev.target)));
                      },
                    },
                    h("button", { type: "submit" }, `query ${q.name}`),
                    (q.args || []).map((a) => h("input", { name: a, placeholder: a }))
                  )
                ),
                (t.events || []).map((ev0) =>
                  h(
                    "form.row",
                    {
                      onsubmit: (ev) => {
                        ev.preventDefault();
                        run(`event ${ev0.domain}:${ev0.name}`, (eci) =>
                          api.event(eci, ev0.domain, ev0.name, formValues(ev.target))
                        );
                      },
                    },
                    h("button", { type: "submit" }, `event ${ev0.domain}:${ev0.name}`),
                    (ev0.attrs || []).map((a) => h("input", { name: a, placeholder: a }))
                  )
                ),
                !(t.queries || []).length && !(t.events || []).length ? h("p.muted", "No __testing.") : null
              );
            } catch (err) {
              fill(box, h("p.muted", `No __testing: ${errorText(err)}`));
            }
          },
        },
        h("summary", h("code", r.rid)),
        box
      )
    );
  }
  fill(body, h("div.row", h("label", "Run on ", eciSelect)), list, h("h4", "Result"), output);
}
