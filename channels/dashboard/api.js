// The engine's HTTP API as the dashboard uses it: the reference's routes
// (/api/ui-context, /c/<eci>/query/..., /c/<eci>/event-wait/...), spime's
// /api/prototypes, and the SSE streams (/c/<eci>/stream) when the engine
// has them. Every request is bounded in time.

export const UI_RID = "io.picolabs.pico-engine-ui";
// The dashboard's own channel on a pico (every event, every query), made
// once through the pico's UI channel, as the command line makes `spime-cli`.
export const DASHBOARD_TAG = "spime-dashboard";
const TIMEOUT_MS = 15000;

export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

// The owner's token (spime serve --owner-token-file), when the engine asks
// for one: asked once (a 401 answer), kept in sessionStorage (this tab, until
// it closes) and sent as `Authorization: Bearer` on every call. Streams need
// none: they use the dashboard's own channels, whose ECIs are their own
// credentials (EventSource could not send the header).
const TOKEN_KEY = "spime-owner-token";
const ownerToken = () => sessionStorage.getItem(TOKEN_KEY) || "";

function askForToken() {
  const token = window.prompt(
    "This engine needs its owner token (spime serve --owner-token-file):"
  );
  if (token) sessionStorage.setItem(TOKEN_KEY, token.trim());
  return !!token;
}

async function call(method, path, body, retried) {
  const resp = await send(method, path, body);
  if (resp.status === 401 && !retried && askForToken()) return call(method, path, body, true);
  return answer(resp);
}

async function send(method, path, body) {
  const ctl = new AbortController();
  const timer = setTimeout(() => ctl.abort(), TIMEOUT_MS);
  const headers = body === undefined ? {} : { "Content-Type": "application/json" };
  if (ownerToken()) headers.Authorization = `Bearer ${ownerToken()}`;
  let resp;
  try {
    resp = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: ctl.signal,
      cache: "no-store",
    });
  } catch (e) {
    throw new ApiError(0, `no answer from the engine (${method} ${path}): ${e.message || e}`);
  } finally {
    clearTimeout(timer);
  }
  return resp;
}

async function answer(resp) {
  const text = await resp.text();
  let data = text;
  try {
    data = text === "" ? null : JSON.parse(text);
  } catch (e) {
    // not JSON: keep the text
  }
  if (!resp.ok) {
    const why = data && typeof data === "object" && data.error ? data.error : text;
    throw new ApiError(resp.status, `${resp.status}: ${why}`);
  }
  return data;
}

const enc = encodeURIComponent;

export const get = (path) => call("GET", path);
export const uiContext = () => get("/api/ui-context");
export const prototypes = async () => (await get("/api/prototypes")).prototypes || [];

// A query's value; args as JSON.
export function query(eci, rid, name, args) {
  return call("POST", `/c/${enc(eci)}/query/${enc(rid)}/${enc(name)}`, args || {});
}

// An event, answered once it has run: {eid, directives}.
export function event(eci, domain, type, attrs) {
  return call("POST", `/c/${enc(eci)}/event-wait/${enc(domain)}/${enc(type)}`, attrs || {});
}

// The options of the first directive called `name` in an event's answer.
export function directive(answer, name) {
  const d = ((answer && answer.directives) || []).find((x) => x && x.name === name);
  return d ? d.options || {} : null;
}

// ---- picos and their channels -----------------------------------------------

export const box = (uiEci) => query(uiEci, UI_RID, "box");
export const details = (uiEci) => query(uiEci, UI_RID, "pico");

// The channel of a `pico` answer tagged exactly `tags` (any order), or null.
export function channelTagged(picoDetails, tags) {
  const want = [...tags].map((t) => t.toLowerCase()).sort().join(",");
  const c = ((picoDetails && picoDetails.channels) || []).find(
    (ch) => [...(ch.tags || [])].map((t) => String(t).toLowerCase()).sort().join(",") === want
  );
  return c ? c.id : null;
}

export function hasRuleset(picoDetails, rid) {
  return ((picoDetails && picoDetails.rulesets) || []).some((r) => r.rid === rid);
}

const ALLOW_ALL_EVENTS = { allow: [{ domain: "*", name: "*" }], deny: [] };
const ALLOW_ALL_QUERIES = { allow: [{ rid: "*", name: "*" }], deny: [] };
const ownChannels = new Map(); // UI ECI -> Promise of the dashboard channel's ECI

// The dashboard's channel on the pico behind `uiEci`: found by its tag, or
// made the first time (engine_ui:new_channel on the UI channel).
export function dashboardEci(uiEci) {
  if (!ownChannels.has(uiEci)) {
    const made = (async () => {
      let d = await details(uiEci);
      let eci = channelTagged(d, [DASHBOARD_TAG]);
      if (eci) return eci;
      await event(uiEci, "engine_ui", "new_channel", {
        tags: [DASHBOARD_TAG],
        eventPolicy: ALLOW_ALL_EVENTS,
        queryPolicy: ALLOW_ALL_QUERIES,
      });
      d = await details(uiEci);
      eci = channelTagged(d, [DASHBOARD_TAG]);
      if (!eci) throw new ApiError(0, `the engine made no ${DASHBOARD_TAG} channel on ${uiEci}`);
      return eci;
    })();
    made.catch(() => ownChannels.delete(uiEci));
    ownChannels.set(uiEci, made);
  }
  return ownChannels.get(uiEci);
}

// Where to read a pico's queries: the channel tagged `tags` (a prototype's
// query channel) when it has one, else the dashboard's own.
export async function readEci(uiEci, tags) {
  const eci = channelTagged(await details(uiEci), tags);
  return eci || dashboardEci(uiEci);
}

// ---- live updates -------------------------------------------------------------

// Whether the engine has SSE streams: unknown until a stream answers (then
// true) or is refused (then false, and nothing tries again until a reload).
let streams = "unknown";

// Calls `refresh` now, then on every event of `names` ("domain:type"; all
// when null) that the pico's stream (GET /c/<eci()>/stream?domain=D)
// carries; when there is no stream (no `eci`, the engine refuses it, or it
// is down) every `everyMs` instead. `onMode` hears "live" or "polling".
// Returns stop().
export function watch({ eci, domain, names, refresh, everyMs, onMode }) {
  let stopped = false;
  let busy = false;
  let again = false;
  let source = null;
  const run = async () => {
    if (stopped) return;
    if (busy) {
      again = true;
      return;
    }
    busy = true;
    try {
      await refresh();
    } catch (e) {
      // the view shows its own errors
    } finally {
      busy = false;
      if (again && !stopped) {
        again = false;
        run();
      }
    }
  };
  const live = () => source && source.readyState === EventSource.OPEN;
  const mode = (m) => onMode && onMode(m);
  mode("polling");
  run();
  // Polls while the stream is not open; with the stream open, a slow poll
  // still catches anything missed while it reconnected.
  let ticks = 0;
  const timer = setInterval(() => {
    ticks += 1;
    if (!live() || ticks % 10 === 0) run();
  }, everyMs);
  (async () => {
    if (!eci || streams === false) return;
    let streamEci;
    try {
      streamEci = await eci();
    } catch (e) {
      return;
    }
    if (stopped) return;
    const qs = domain ? `?domain=${enc(domain)}` : "";
    source = new EventSource(`/c/${enc(streamEci)}/stream${qs}`);
    source.onopen = () => {
      streams = true;
      mode("live");
      run();
    };
    source.onerror = () => {
      if (source.readyState === EventSource.CLOSED) {
        if (streams !== true) streams = false;
        mode("polling");
      } else {
        mode("polling");
      }
    };
    // Events come unnamed, their domain and type in the data (spime's
    // streams), or named "domain:type": either way only `names` count.
    const wanted = (domain, type) => !names || names.includes(`${domain}:${type}`);
    source.onmessage = (e) => {
      let d = null;
      try {
        d = JSON.parse(e.data);
      } catch (err) {
        // not JSON: count it
      }
      if (!d || wanted(d.domain, d.type)) run();
    };
    for (const n of names || []) source.addEventListener(n, () => run());
    // A watcher too slow for the pico is cut off after `dropped`; the
    // browser reconnects (with Last-Event-ID) and polling covers the gap.
    source.addEventListener("dropped", () => run());
  })();
  return () => {
    stopped = true;
    clearInterval(timer);
    if (source) source.close();
  };
}
