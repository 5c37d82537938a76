// A collection's page: its members (last heard, battery, silent or ok, last
// readings), a plot of a member's readings with its thresholds, the
// violation log (paged, newest first, updated live), the battery view, and
// a form that makes a device from a prototype and adds it to the
// collection. Reads spimes_collection's queries on the collection's query
// channel (the "collection" prototype's), esproto_device's on each
// device's (the esproto prototypes'), the dashboard's own channel where a
// pico has neither.
import * as api from "./api.js";
import { h, fill, table, ago, when, errorBox, errorText } from "./dom.js";
import * as plot from "./plot.js";

const RID = "spimes_collection";
const POLL_MS = 3000; // the violation log, when there is no stream
const MEMBERS_MS = 4000; // members, battery and the plot
const BIG_COLLECTION = 50; // members: from there on, read them every BIG_COLLECTION_MS
const BIG_COLLECTION_MS = 30000;
const VIOLATIONS_PAGE = 10;
const MAX_ROWS = 200;
const FIRST_ROWS = 20;
const REPORTS = ["threshold_violation", "battery_level_low", "device_silent", "device_back"];

// The collection's node in the tree as last read (the tree is read again
// now and then: nodes are replaced, their ECIs stay).
function current(app, node) {
  return (app.tree && app.tree.byEci.get(node.eci)) || node;
}

// The pico of a member: its sibling of that name (members are the
// collection's siblings when made from this page or the command line).
function memberNode(app, collection, member) {
  const parent = current(app, collection).parent;
  const siblings = parent ? parent.children : [];
  const named = siblings.filter((n) => n.name === member.name);
  return named.length === 1 ? named[0] : null;
}

function readingsText(readings) {
  if (!readings || typeof readings !== "object") return "";
  return Object.entries(readings)
    .map(([type, r]) => {
      const values = ((r && r.readings) || [])
        .map((x) => x.temperatureF ?? x[type] ?? x.value)
        .filter((v) => v !== undefined);
      return `${type} ${values.join(", ")}`;
    })
    .join("; ");
}

function batteryBar(percent) {
  if (typeof percent !== "number") return h("span.muted", "unknown");
  const p = Math.max(0, Math.min(100, percent));
  return h(
    "span.battery",
    { title: `${percent}%` },
    h(`span.battery-fill${p < 20 ? ".low" : ""}`, { style: `width:${p}%` }),
    h("span.battery-text", `${Math.round(percent)}%`)
  );
}

export function collectionView(app, node) {
  const eci = () => api.readEci(node.eci, ["collection", "query"]);
  const mode = h("span.badge#live-mode", "polling");
  const membersBox = h("div#members", h("p.muted", "Loading the members..."));
  const violationsBox = h("div#violations");
  const batteryBox = h("div#battery");
  const pager = { cursors: [null], index: 0, next: null };
  let selected = null; // the member plotted
  let lastStatus = [];
  let showAll = false; // all members in the table, or the first FIRST_ROWS

  // ---- the plot -------------------------------------------------------------
  const plotPanel = plot.panel(async () => {
    const m = lastStatus.find((x) => x.name === selected) || lastStatus[0];
    if (!m) return null;
    selected = m.name;
    const pico = memberNode(app, node, m);
    const deviceEci = pico ? await api.readEci(pico.eci, ["esproto", "query"]) : m.eci;
    const thresholds = (await api.query(deviceEci, "esproto_device", "thresholds")) || {};
    const types = Object.keys(thresholds);
    for (const t of Object.keys(m.readings || {})) if (!types.includes(t)) types.push(t);
    return { eci: deviceEci, name: m.name, thresholds, types };
  });
  plotPanel.el.id = "device-plot";

  // ---- members, battery, violations ------------------------------------------
  async function loadMembers() {
    const [status, last] = await Promise.all([
      api.query(await eci(), RID, "status"),
      api.query(await eci(), RID, "last_readings"),
    ]);
    const readings = new Map((last || []).map((x) => [x.id, x.readings]));
    lastStatus = (status || []).slice(0, MAX_ROWS).map((m) => ({
      ...m,
      readings: readings.get(m.id),
      eci: undefined,
    }));
    const members = await api.query(await eci(), RID, "members");
    const ecis = new Map((members || []).map((m) => [m.id, m.eci]));
    for (const m of lastStatus) m.eci = ecis.get(m.id);
    if (!lastStatus.length) {
      fill(membersBox, h("p.muted", "No members yet: add a device below."));
    } else {
      const shown = showAll ? lastStatus : lastStatus.slice(0, FIRST_ROWS);
      const rows = shown.map((m) => {
        const pico = memberNode(app, node, m);
        return [
          h(
            "a",
            {
              href: "#",
              class: m.name === selected ? "selected member" : "member",
              dataset: { member: m.name },
              onclick: (e) => {
                e.preventDefault();
                selected = m.name;
                plotPanel.refresh();
                loadMembersSafe();
              },
            },
            m.name
          ),
          m.silent ? h("span.badge.bad", "silent") : h("span.badge.good", "ok"),
          h("span", { title: when(m.last_heard) }, ago(m.last_heard)),
          batteryBar(m.battery),
          readingsText(m.readings),
          pico ? h("a", { href: `#/pico/${pico.eci}` }, "pico") : h("span.muted", "remote"),
        ];
      });
      fill(
        membersBox,
        table(["Member", "State", "Last heard", "Battery", "Last readings", ""], rows, {
          class: "members",
        }),
        lastStatus.length > FIRST_ROWS
          ? h(
              "button#members-all",
              {
                onclick: () => {
                  showAll = !showAll;
                  loadMembersSafe();
                },
              },
              showAll ? `Show the first ${FIRST_ROWS}` : `Show all ${lastStatus.length}`
            )
          : null,
        (status || []).length > MAX_ROWS ? h("p.muted", `First ${MAX_ROWS} members shown.`) : null
      );
    }
    const alerts = await api.query(await eci(), RID, "battery_alerts", { limit: 5 });
    const sorted = [...lastStatus].sort((a, b) => (a.battery ?? 101) - (b.battery ?? 101));
    fill(
      batteryBox,
      sorted.length
        ? h(
            "div.battery-list",
            sorted
              .slice(0, FIRST_ROWS)
              .map((m) => h("div.battery-row", h("span.battery-name", m.name), batteryBar(m.battery)))
          )
        : h("p.muted", "No members."),
      sorted.length > FIRST_ROWS ? h("p.muted", `The ${FIRST_ROWS} lowest of ${sorted.length}.`) : null,
      h("h4", "Low-battery reports"),
      (alerts.entries || []).length
        ? table(
            ["Received", "Device", "Battery", "Threshold"],
            alerts.entries.map((e) => [
              when(e.entry.received || e.time),
              e.entry.device_name,
              `${e.entry.health_percent}%`,
              e.entry.threshold ?? "",
            ])
          )
        : h("p.muted", "None.")
    );
  }
  const loadMembersSafe = () => loadMembers().catch((e) => fill(membersBox, errorBox(e)));

  async function loadViolations() {
    const args = { limit: VIOLATIONS_PAGE };
    const cursor = pager.cursors[pager.index];
    if (cursor) args.cursor = cursor;
    const page = await api.query(await eci(), RID, "violations", args);
    pager.next = page.next;
    const entries = page.entries || [];
    fill(
      violationsBox,
      entries.length
        ? table(
            ["Received", "Device", "Sensor", "Value", "Limit", "", "Message"],
            entries.map((e) => {
              const v = e.entry || {};
              return [
                when(v.received || e.time),
                v.device_name,
                v.sensor_type,
                String(v.value),
                String(v.threshold ?? ""),
                h(`span.badge.${v.direction === "above" ? "bad" : "warn"}`, v.direction || ""),
                v.message,
              ];
            }),
            { class: "violations" }
          )
        : h("p.muted", pager.index ? "No older violations." : "No violations logged yet."),
      h(
        "div.row",
        h(
          "button",
          {
            disabled: pager.index === 0,
            onclick: () => {
              pager.index -= 1;
              loadViolations().catch((e) => fill(violationsBox, errorBox(e)));
            },
          },
          "Newer"
        ),
        h("span.muted", `page ${pager.index + 1}`),
        h(
          "button",
          {
            disabled: !pager.next,
            onclick: () => {
              pager.cursors[pager.index + 1] = pager.next;
              pager.cursors.length = pager.index + 2;
              pager.index += 1;
              loadViolations().catch((e) => fill(violationsBox, errorBox(e)));
            },
          },
          "Older"
        )
      )
    );
  }

  // ---- a new device -------------------------------------------------------------
  const nameInput = h("input#new-device-name", { placeholder: "device name", required: true });
  const protoSelect = h("select#new-device-prototype");
  const result = h("div#new-device-result");
  api
    .prototypes()
    .then((list) =>
      fill(
        protoSelect,
        list
          .filter((p) => p.name !== "collection")
          .map((p) => h("option", { value: p.name, title: p.description || "" }, p.name))
      )
    )
    .catch((e) => fill(result, errorBox(e)));
  const form = h(
    "form#new-device.row",
    {
      onsubmit: async (e) => {
        e.preventDefault();
        const name = nameInput.value.trim();
        if (!name) return;
        fill(result, h("span.muted", `Making ${name}...`));
        try {
          const made = await addDevice(app, node, name, protoSelect.value);
          fill(
            result,
            h("span", `Made ${name} (${made.id || "?"}) and added it to ${node.name}. Heartbeat URL: `),
            h("code", { dataset: { transducerUrl: made.transducer_url || "" } }, made.transducer_url || "none")
          );
          nameInput.value = "";
          await app.reloadTree();
          await loadMembersSafe();
          plotPanel.refresh();
        } catch (err) {
          fill(result, h("div.error", `Could not add ${name}: ${errorText(err)}`));
        }
      },
    },
    nameInput,
    protoSelect,
    h("button#new-device-submit", { type: "submit" }, "Make and add")
  );

  const el = h(
    "div.collection",
    h("div.row", h("h3", `Collection ${node.name}`), mode),
    h("section", h("h4", "Members"), membersBox, h("h5", "Add a device from a prototype"), form, result),
    h("section", h("h4", "Readings"), plotPanel.el),
    h("section", h("h4", "Violation log"), violationsBox),
    h("section", h("h4", "Battery"), batteryBox)
  );

  // The reports (violations, battery, presence) come to the collection:
  // its stream tells when to read the log again. Readings stay with the
  // devices, so the members and the plot are read every few seconds.
  const stopReports = api.watch({
    eci: () => api.dashboardEci(node.eci),
    domain: "esproto",
    names: REPORTS.map((n) => `esproto:${n}`),
    everyMs: POLL_MS,
    onMode: (m) =>
      (mode.textContent = m === "live" ? "violations live" : `polling every ${POLL_MS / 1000} s`),
    refresh: () => loadViolations().catch((e) => fill(violationsBox, errorBox(e))),
  });
  // status() and last_readings() ask every member, one query each: a big
  // collection is asked less often (the plot, one device, keeps its pace).
  let membersReadAt = 0;
  const stopMembers = api.watch({
    everyMs: MEMBERS_MS,
    refresh: async () => {
      const big = lastStatus.length > BIG_COLLECTION;
      if (!big || Date.now() - membersReadAt >= BIG_COLLECTION_MS) {
        membersReadAt = Date.now();
        await loadMembersSafe();
      }
      await plotPanel.refresh();
    },
  });
  return {
    el,
    stop() {
      stopReports();
      stopMembers();
    },
  };
}

// Makes `name` from `prototype` as a sibling of the collection (a child of
// its parent) and adds it: wrangler:new_child_request, then
// spimes:add_to_collection, both on the parent's dashboard channel (the
// parent gets `spimes` first when it lacks it, from where its wrangler
// came, as `spime collection add` does). Answers new_child's options
// {id, eci, transducer_url?}.
export async function addDevice(app, collection, name, prototype) {
  const parent = current(app, collection).parent;
  if (!parent) throw new Error("the root is no collection's sibling: pick a collection below it");
  if (parent.children.some((c) => c.name === name))
    throw new Error(`${parent.name} already has a child named ${name}`);
  const own = await api.dashboardEci(parent.eci);
  const d = await api.details(parent.eci);
  if (!api.hasRuleset(d, "spimes")) {
    const wrangler = (d.rulesets || []).find((r) => r.rid === "io.picolabs.wrangler");
    if (!wrangler || !wrangler.url) throw new Error(`${parent.name} has no ruleset spimes`);
    await api.event(own, "wrangler", "install_ruleset_request", {
      absoluteURL: wrangler.url,
      rid: "spimes",
    });
  }
  const made = await api.event(own, "wrangler", "new_child_request", { name, prototype });
  const options = api.directive(made, "new_child");
  if (!options) throw new Error(`the engine made no child named ${name}`);
  await api.event(own, "spimes", "add_to_collection", { collection: collection.name, member: name });
  return options;
}
