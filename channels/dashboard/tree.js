// The pico tree, read as the reference's UI reads it: /api/ui-context names
// the root's UI ECI, and io.picolabs.pico-engine-ui's `box` and `pico` on a
// UI ECI give a pico's name, children (their UI ECIs), channels and
// rulesets. Bounded: at most MAX_PICOS picos, a few queries at a time.
import * as api from "./api.js";

export const MAX_PICOS = 2000;
const PARALLEL = 4;

// {root, byEci: Map(uiEci -> node), truncated}; node: {eci, name, parent,
// children: [node], depth, rulesets: [rid], channels, error}.
export async function loadTree(rootEci) {
  const byEci = new Map();
  const root = { eci: rootEci, parent: null, depth: 0, children: [] };
  byEci.set(rootEci, root);
  const queue = [root];
  let truncated = false;
  const visit = async (node) => {
    try {
      const [b, d] = await Promise.all([api.box(node.eci), api.details(node.eci)]);
      node.name = b.name;
      node.color = b.backgroundColor;
      node.rulesets = (d.rulesets || []).map((r) => r.rid);
      node.details = d;
      for (const c of b.children || []) {
        if (byEci.has(c)) continue;
        if (byEci.size >= MAX_PICOS) {
          truncated = true;
          break;
        }
        const child = { eci: c, parent: node, depth: node.depth + 1, children: [] };
        byEci.set(c, child);
        node.children.push(child);
        queue.push(child);
      }
    } catch (e) {
      node.name = node.name || node.eci;
      node.error = e;
      node.rulesets = [];
    }
  };
  const workers = [];
  for (let i = 0; i < PARALLEL; i++) {
    workers.push(
      (async () => {
        while (queue.length) await visit(queue.shift());
      })()
    );
  }
  // A worker may find the queue empty while another is still adding to it.
  while (true) {
    await Promise.all(workers.splice(0));
    if (!queue.length) break;
    for (let i = 0; i < PARALLEL; i++) {
      workers.push(
        (async () => {
          while (queue.length) await visit(queue.shift());
        })()
      );
    }
  }
  return { root, byEci, truncated };
}

export const isCollection = (node) => (node.rulesets || []).includes("spimes_collection");
export const isDevice = (node) => (node.rulesets || []).includes("esproto_device");

// Depth-first, children in box's order.
export function each(node, visit) {
  visit(node);
  for (const c of node.children) each(c, visit);
}

// The path of names from the root: "Pico/hallway/sensor1".
export function path(node) {
  const names = [];
  for (let n = node; n; n = n.parent) names.unshift(n.name || n.eci);
  return names.join("/");
}
