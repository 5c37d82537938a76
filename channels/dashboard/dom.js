// Small DOM helpers: h() builds elements, text is always set as text (never
// parsed as HTML), so whatever a pico answers cannot inject markup.

// h("div.cls#id", {attr: v, onclick: f}, child, [children], "text")
export function h(spec, props, ...children) {
  const [, tag = "div", rest = ""] = /^([a-z0-9]*)(.*)$/i.exec(spec);
  const el = document.createElement(tag || "div");
  for (const part of rest.match(/[.#][^.#]+/g) || []) {
    if (part[0] === ".") el.classList.add(part.slice(1));
    else el.id = part.slice(1);
  }
  if (props && (typeof props !== "object" || props instanceof Node || Array.isArray(props))) {
    children.unshift(props);
    props = null;
  }
  for (const [k, v] of Object.entries(props || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
    else if (k === "dataset") Object.assign(el.dataset, v);
    else if (k in el && typeof v !== "string") el[k] = v;
    else el.setAttribute(k, v === true ? "" : v);
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children) {
    if (c === undefined || c === null || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

// Replaces what `el` holds.
export function fill(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

// A table: headers, then rows of cells (each cell a node or text).
export function table(headers, rows, props) {
  return h(
    "table",
    props || {},
    h("thead", h("tr", headers.map((x) => h("th", x)))),
    h("tbody", rows.map((r) => h("tr", r.map((c) => h("td", c)))))
  );
}

// JSON for people: short values inline, the rest pretty-printed.
export function json(value) {
  const s = JSON.stringify(value);
  return h("pre.json", s && s.length > 60 ? JSON.stringify(value, null, 2) : s);
}

// "3 s ago", "5 min ago", ... from a time (ms, ISO text or a Date).
export function ago(t) {
  if (t === null || t === undefined || t === "") return "never";
  const ms = typeof t === "number" ? t : Date.parse(t);
  if (!Number.isFinite(ms)) return String(t);
  const s = Math.round((Date.now() - ms) / 1000);
  if (s < 0) return "just now";
  if (s < 90) return `${s} s ago`;
  if (s < 90 * 60) return `${Math.round(s / 60)} min ago`;
  if (s < 36 * 3600) return `${Math.round(s / 3600)} h ago`;
  return `${Math.round(s / 86400)} d ago`;
}

export function when(t) {
  if (t === null || t === undefined || t === "") return "";
  const d = new Date(typeof t === "number" ? t : Date.parse(t));
  return Number.isNaN(d.getTime()) ? String(t) : d.toLocaleString();
}

// The message of an error as a page shows it.
export function errorText(e) {
  return e && e.message ? e.message : String(e);
}

export function errorBox(e) {
  return h("div.error", errorText(e));
}
