// The dashboard: the pico tree on the left, a view on the right, chosen by
// the URL's hash:
//   #/                    the overview: the engine, its collections
//   #/pico/<uiEci>[/tab]  a pico (pico.js): Collection, Device, About,
//                         Rulesets, Channels, Subscriptions, Entity
//                         variables, Logs, Testing
import * as api from "./api.js";
import { h, fill, table, errorBox } from "./dom.js";
import { loadTree, each, isCollection, isDevice, MAX_PICOS } from "./tree.js";
import { picoView } from "./pico.js";

const TREE_EVERY_MS = 60000; // two queries a pico: not too often

const app = {
  context: null, // /api/ui-context
  tree: null,
  view: { stop() {} },
  async reloadTree() {
    try {
      this.tree = await loadTree(this.context.eci);
      renderTree();
    } catch (e) {
      fill(document.getElementById("tree"), errorBox(e));
    }
    return this.tree;
  },
};
window.spimeDashboard = app; // for the browser test and the curious

function kindOf(node) {
  if (isCollection(node)) return "collection";
  if (isDevice(node)) return "device";
  return "pico";
}

function renderTree() {
  const current = currentEci();
  const item = (node) =>
    h(
      "li",
      h(
        `a.tree-${kindOf(node)}${node.eci === current ? ".active" : ""}`,
        { href: `#/pico/${node.eci}`, dataset: { eci: node.eci, name: node.name || "" } },
        h("span.dot", { style: `background:${node.color || "#87cefa"}` }),
        node.name || node.eci
      ),
      node.children.length ? h("ul", node.children.map(item)) : null
    );
  fill(
    document.getElementById("tree"),
    h("ul.tree", item(app.tree.root)),
    app.tree.truncated ? h("p.muted", `First ${MAX_PICOS} picos shown.`) : null
  );
}

function currentEci() {
  const m = /^#\/pico\/([^/]+)/.exec(location.hash);
  return m ? decodeURIComponent(m[1]) : null;
}

function overview() {
  const collections = [];
  let picos = 0;
  let devices = 0;
  each(app.tree.root, (n) => {
    picos += 1;
    if (isCollection(n)) collections.push(n);
    if (isDevice(n)) devices += 1;
  });
  return h(
    "div.overview",
    h("h2", "spime"),
    h("p", `Engine ${app.context.version}: ${picos} picos, ${devices} devices, ${collections.length} collections.`),
    h("h3", "Collections"),
    collections.length
      ? table(
          ["Collection", "Parent", ""],
          collections.map((c) => [
            h("a", { href: `#/pico/${c.eci}/collection`, dataset: { collection: c.name } }, c.name),
            c.parent ? c.parent.name : "",
            h("a", { href: `#/pico/${c.eci}/about` }, "pico"),
          ])
        )
      : h("p.muted", "None yet: make one from a pico's About tab (prototype \"collection\")."),
    h("p.muted", "Pick a pico in the tree for its rulesets, channels, subscriptions, logs and testing.")
  );
}

async function route() {
  app.view.stop();
  app.view = { stop() {} };
  const main = document.getElementById("main");
  const m = /^#\/pico\/([^/]+)(?:\/([^/]+))?/.exec(location.hash);
  if (!m) {
    fill(main, overview());
    renderTree();
    return;
  }
  const eci = decodeURIComponent(m[1]);
  let node = app.tree.byEci.get(eci);
  if (!node) node = (await app.reloadTree()).byEci.get(eci);
  if (!node) {
    fill(main, h("div.error", `No pico with UI ECI ${eci} in the tree.`));
    return;
  }
  app.view = picoView(app, node, m[2]);
  fill(main, app.view.el);
  renderTree();
}

async function start() {
  try {
    app.context = await api.uiContext();
    document.getElementById("engine").textContent = `engine ${app.context.version}`;
    await app.reloadTree();
  } catch (e) {
    fill(document.getElementById("main"), errorBox(e));
    return;
  }
  window.addEventListener("hashchange", () => route().catch((e) => fill(document.getElementById("main"), errorBox(e))));
  await route();
  document.body.dataset.ready = "1";
  // The tree changes under us (picos made from elsewhere): read it again now and then.
  setInterval(() => {
    if (document.visibilityState === "visible") app.reloadTree();
  }, TREE_EVERY_MS);
}

start();
