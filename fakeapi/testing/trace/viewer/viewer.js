// The fakeapi trace viewer: one timeline of a test's (or a live server's) requests, watch events,
// enqueues, object changes and pod/node transitions; the cluster at any moment; each object's
// versions with diffs. The document comes embedded (gzip, base64) or, in the live view, from the
// server, then follows it with long polls. No dependencies.
"use strict";

const CATEGORIES = ["phase", "failure", "request", "watch", "enqueue", "change", "transition"];
const POLL_SECONDS = 20;
const $ = (selector) => document.querySelector(selector);

const state = {
  doc: null,
  items: [],        // every timeline item, in time order
  shown: [],        // the items the filters let through
  versions: new Map(),  // "cluster|key" -> versions, oldest first
  requests: [],     // per cluster: Map seq -> request
  byRevision: [],   // per cluster: Map rev -> version
  picked: null,     // the picked item
  objectKey: null,  // the object shown in the history tab
  versionIndex: null,
  hiddenCategories: new Set(),
  filters: {},
  hideManagedFields: true,
};

// -- loading ------------------------------------------------------------------------------------

async function embeddedDocument() {
  const text = $("#trace-data").textContent.trim();
  if (!text || text === "fakeapi:data") return null;
  const bytes = Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
  const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"));
  return JSON.parse(await new Response(stream).text());
}

async function start() {
  buildCategoryToggles();
  bindControls();
  const live = document.querySelector('meta[name="fakeapi-live"]').content;
  if (live && live !== "fakeapi:live") {
    await followLive(live);
    return;
  }
  const doc = await embeddedDocument();
  if (doc) load(doc);
}

function load(doc) {
  state.doc = doc;
  rebuild();
  renderHeader();
  render();
}

async function followLive(endpoint) {
  $("#live-status").hidden = false;
  $("#follow-label").hidden = false;
  for (;;) {
    try {
      if (!state.doc) {
        setLiveStatus("connecting");
        load(await fetchJSON(endpoint));
      } else {
        const cursor = state.doc.clusters[0].cursor;
        const delta = await fetchJSON(`${endpoint}?after=${encodeURIComponent(cursor)}&timeoutSeconds=${POLL_SECONDS}`);
        if (delta.reset) {
          state.doc = null;
          continue;
        }
        merge(delta);
      }
      setLiveStatus("live");
    } catch (error) {
      setLiveStatus(`disconnected: ${error.message}; retrying`);
      await new Promise((resolve) => setTimeout(resolve, 2000));
    }
  }
}

async function fetchJSON(url) {
  const response = await fetch(url, { cache: "no-store", credentials: "same-origin" });
  if (!response.ok) throw new Error(`${response.status} ${response.statusText}`);
  return response.json();
}

function setLiveStatus(text) {
  $("#live-status").textContent = text;
}

function merge(delta) {
  const into = state.doc.clusters[0];
  const from = delta.clusters[0];
  const added = from.versions.length + from.requests.length + from.watchEvents.length + from.enqueues.length;
  for (const field of ["versions", "requests", "watchEvents", "enqueues"]) into[field].push(...from[field]);
  into.cursor = from.cursor;
  if (!added) return;
  const follow = $("#follow").checked;
  rebuild();
  render();
  if (follow && state.shown.length) pick(state.shown[state.shown.length - 1], { scroll: true });
}

// -- the model ------------------------------------------------------------------------------------

function rebuild() {
  const doc = state.doc;
  const items = [];
  state.versions = new Map();
  state.requests = [];
  state.byRevision = [];
  if (doc.test) {
    for (const phase of doc.test.phases) {
      items.push({ cat: "phase", t: phase.start, label: `${phase.name} (${phase.outcome})`, phase });
    }
    const failure = doc.test.failure;
    if (failure) {
      const phase = doc.test.phases.find((p) => p.name === failure.phase);
      items.push({ cat: "failure", t: phase ? phase.end : 0, label: failure.message, failure });
    }
  }
  doc.clusters.forEach((cluster, c) => {
    // With several clusters, each item says whose it is.
    const tag = doc.clusters.length > 1 ? `[${cluster.name}] ` : "";
    const requests = new Map();
    const byRevision = new Map();
    state.requests.push(requests);
    state.byRevision.push(byRevision);
    for (const request of cluster.requests) {
      requests.set(request.seq, request);
      items.push({
        cat: "request", c, t: request.t, request,
        namespace: request.namespace, name: request.name, kind: request.resource, verb: request.verb,
        userAgent: request.userAgent, code: String(request.code),
        label: tag + requestLabel(request),
      });
    }
    for (const sent of cluster.watchEvents) {
      const where = sent.namespace ? `${sent.namespace}/${sent.name}` : sent.name;
      items.push({
        cat: "watch", c, t: sent.t, sent,
        namespace: sent.namespace, name: sent.name, kind: sent.resource, verb: sent.type, userAgent: sent.userAgent,
        label: `${tag}${sent.type} ${sent.resource} ${where} rv=${sent.rv} to watch #${sent.watch} (${shortAgent(sent.userAgent)})`,
      });
    }
    for (const enqueue of cluster.enqueues) {
      items.push({
        cat: "enqueue", c, t: enqueue.t, enqueue, keyText: enqueue.key, userAgent: enqueue.listener,
        label: `${tag}${enqueue.listener} \u2190 ${enqueue.key}${enqueue.cause ? ` (${enqueue.cause})` : ""}`,
      });
    }
    const sorted = [...cluster.versions].sort((a, b) => a.rev - b.rev);
    for (const version of sorted) {
      const id = `${c}|${version.key}`;
      if (!state.versions.has(id)) state.versions.set(id, []);
      const history = state.versions.get(id);
      const previous = history[history.length - 1];
      history.push(version);
      byRevision.set(version.rev, version);
      if (version.t === null) continue;
      const kind = version.object.kind || version.resource;
      const request = requests.get(version.req);
      const by = request ? ` by #${request.seq} ${request.verb} (${shortAgent(request.userAgent)})` : "";
      const common = { c, t: version.t, version, objectKey: id, namespace: version.namespace, name: version.name, kind };
      items.push({ ...common, cat: "change", label: `${tag}${version.type} ${kind} ${objectName(version)} rv=${version.rev}${by}` });
      const before = previous && previous.type !== "DELETED" ? simulatedState(previous) : null;
      const after = version.type === "DELETED" ? "deleted" : simulatedState(version);
      if (after !== null && after !== before) {
        items.push({ ...common, cat: "transition", label: `${tag}${kind} ${objectName(version)}: ${before || "new"} \u2192 ${after}` });
      }
    }
  });
  const order = (item) => CATEGORIES.indexOf(item.cat);
  items.sort((a, b) => a.t - b.t || order(a) - order(b));
  state.items = items;
  applyFilters();
}

// What the simulated kubelets and node controllers changed, in a few words (null for other kinds).
function simulatedState(version) {
  const obj = version.object;
  const status = obj.status || {};
  if (obj.kind === "Pod") {
    const ready = (status.conditions || []).find((c) => c.type === "Ready");
    const parts = [status.phase || "Pending"];
    if (obj.spec && obj.spec.nodeName) parts.push(`on ${obj.spec.nodeName}`);
    if (ready && ready.status === "True") parts.push("Ready");
    if (obj.metadata.deletionTimestamp) parts.push("terminating");
    return parts.join(", ");
  }
  if (obj.kind === "Node") {
    const ready = (status.conditions || []).find((c) => c.type === "Ready");
    const parts = [ready && ready.status === "True" ? "Ready" : "NotReady"];
    if (obj.spec && obj.spec.unschedulable) parts.push("unschedulable");
    return parts.join(", ");
  }
  return null;
}

function requestLabel(r) {
  const resource = r.resource ? r.resource + (r.subresource ? `/${r.subresource}` : "") : r.path;
  const where = r.namespace ? `${r.namespace}/${r.name}` : r.name;
  return `${r.verb} ${resource}${where ? ` ${where}` : ""} \u2192 ${r.code || "no answer"} (${shortAgent(r.userAgent)})`;
}

function shortAgent(agent) {
  return (agent || "").split(" ")[0] || "no user agent";
}

function objectName(version) {
  return version.namespace ? `${version.namespace}/${version.name}` : version.name;
}

// -- filters --------------------------------------------------------------------------------------

function glob(pattern) {
  const escaped = pattern.replace(/[.+?^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*");
  return new RegExp(`^${escaped}$`, "i");
}

function kindMatches(wanted, kind) {
  const w = wanted.toLowerCase();
  const k = (kind || "").toLowerCase();
  return k === w || k === `${w}s` || k === `${w}es` || `${k}s` === w || (w.includes("*") && glob(wanted).test(k));
}

function matches(item) {
  if (state.hiddenCategories.has(item.cat)) return false;
  if (item.cat === "phase" || item.cat === "failure") return true;
  const f = state.filters;
  if (item.cat === "enqueue") {
    // An enqueue's key names the object ("namespace/name", or a tuple holding both): match in its text.
    for (const field of ["namespace", "name"]) {
      if (f[field] && !item.keyText.includes(f[field].replace(/\*/g, ""))) return false;
    }
    if (f.kind || f.verb || f.code) return false;
    return !f.userAgent || item.userAgent.toLowerCase().includes(f.userAgent.toLowerCase());
  }
  if (f.namespace && !glob(f.namespace).test(item.namespace || "")) return false;
  if (f.name && !glob(f.name).test(item.name || "")) return false;
  if (f.kind && !kindMatches(f.kind, item.kind)) return false;
  if (f.verb && !(item.verb && glob(f.verb).test(item.verb))) return false;
  if (f.code && !(item.code && item.code.startsWith(f.code))) return false;
  if (f.userAgent) {
    const agent = item.userAgent || (item.version && agentOf(item)) || "";
    if (!agent.toLowerCase().includes(f.userAgent.toLowerCase())) return false;
  }
  return true;
}

// The user agent of the request that made a change.
function agentOf(item) {
  const made = state.requests[item.c].get(item.version.req);
  return made ? made.userAgent : "";
}

function applyFilters() {
  state.shown = state.items.filter(matches);
}

function setFilters(values) {
  const form = $("#filters");
  for (const [name, value] of Object.entries(values)) form.elements[name].value = value;
  readFilters();
}

function readFilters() {
  const form = $("#filters");
  state.filters = {};
  for (const name of ["namespace", "kind", "name", "userAgent", "verb", "code"]) {
    const value = form.elements[name].value.trim();
    if (value) state.filters[name] = value;
  }
  applyFilters();
  render();
}

// -- rendering ------------------------------------------------------------------------------------

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (key === "class") node.className = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value);
  }
  for (const child of children) if (child !== null && child !== undefined) node.append(child);
  return node;
}

function renderHeader() {
  const doc = state.doc;
  $("#title").textContent = doc.title;
  document.title = `${doc.title} \u2014 fakeapi trace`;
  const outcome = $("#outcome");
  if (doc.test) {
    outcome.textContent = doc.test.outcome;
    outcome.className = `badge ${doc.test.outcome}`;
  } else {
    outcome.hidden = true;
  }
  const failure = doc.test && doc.test.failure;
  $("#failure").hidden = !failure;
  if (failure) $("#failure").textContent = `${failure.phase}: ${failure.message}\n${failure.location}`;
}

function formatTime(t) {
  return `${t.toFixed(1)} ms`;
}

function render() {
  const body = $("#timeline tbody");
  body.replaceChildren(
    ...state.shown.map((item, index) => {
      const code = item.cat === "request" && item.request.code >= 400 ? "code-error" : "";
      const row = el(
        "tr",
        { "data-index": index, "data-cat": item.cat, onclick: () => pick(item) },
        el("td", { class: "time" }, formatTime(item.t)),
        el("td", { class: `cat cat-${item.cat}` }, item.cat),
        el("td", { class: `label ${code}` }, item.label, item.request && item.request.fault ? el("span", { class: "fault" }, `fault: ${item.request.fault}`) : null),
      );
      if (item === state.picked) row.classList.add("picked");
      return row;
    }),
  );
  renderScrubber();
  $("#counts").textContent = `${state.shown.length} of ${state.items.length} items`;
}

function span() {
  const times = state.items.map((item) => item.t);
  const first = Math.min(0, ...times);
  const last = Math.max(1, ...times);
  return [first, last];
}

function renderScrubber() {
  const [first, last] = span();
  const ticks = state.shown.map((item) =>
    el("span", { class: `tick-${item.cat}`, style: `left: ${(100 * (item.t - first)) / (last - first)}%` }),
  );
  $("#scrubber-ticks").replaceChildren(...ticks);
  const cursor = $("#scrubber-cursor");
  if (state.picked) {
    cursor.style.display = "block";
    cursor.style.left = `${(100 * (state.picked.t - first)) / (last - first)}%`;
  } else {
    cursor.style.display = "none";
  }
}

function pick(item, { scroll = false } = {}) {
  state.picked = item;
  const index = state.shown.indexOf(item);
  for (const row of document.querySelectorAll("#timeline tr.picked")) row.classList.remove("picked");
  const row = document.querySelector(`#timeline tr[data-index="${index}"]`);
  if (row) {
    row.classList.add("picked");
    if (scroll) row.scrollIntoView({ block: "nearest" });
  }
  $("#moment").textContent = `at ${formatTime(item.t)}: ${item.cat} ${item.label}`;
  if (item.objectKey) showObject(item.objectKey, item.version.rev);
  renderScrubber();
  renderDetails(item);
  renderCluster();
}

function step(by) {
  if (!state.shown.length) return;
  const index = state.picked ? state.shown.indexOf(state.picked) : -1;
  const next = Math.min(Math.max(index + by, 0), state.shown.length - 1);
  pick(state.shown[next], { scroll: true });
}

// The moment an item stands for: after what it did (a request's changes are committed by its end).
function momentOf(item) {
  return item.cat === "request" && item.request.end !== null ? item.request.end : item.t;
}

function renderDetails(item) {
  const pane = $("#details");
  const rows = [];
  const add = (term, value) => {
    if (value !== null && value !== undefined && value !== "") rows.push(el("dt", {}, term), el("dd", {}, String(value)));
  };
  add("time", formatTime(item.t));
  add("kind of item", item.cat);
  const parts = [];
  if (item.request) {
    const r = item.request;
    add("request", `#${r.seq} ${r.method} ${r.path}${r.query ? `?${r.query}` : ""}`);
    add("verb", r.verb);
    add("resource", [r.group, r.version, r.resource].filter(Boolean).join("/") + (r.subresource ? ` (${r.subresource})` : ""));
    add("object", r.namespace ? `${r.namespace}/${r.name}` : r.name);
    add("code", r.code || "no answer");
    add("latency", r.end === null ? "still streaming" : formatTime(r.end - r.t));
    add("user", `${r.user}${r.groups.length ? ` (${r.groups.join(", ")})` : ""}`);
    add("user agent", r.userAgent);
    add("field manager", r.fieldManager);
    add("fault injected", r.fault);
    add("server clock", r.serverTime);
    if (r.truncated) add("bodies", "dropped (larger than 100 KiB, or older than the log's budget)");
    parts.push(el("dl", {}, ...rows));
    if (r.revisions.length) {
      parts.push(el("h2", {}, "Versions it made"));
      const list = el("ul");
      for (const rev of r.revisions) {
        const version = state.byRevision[item.c].get(rev);
        if (!version) continue;
        list.append(el("li", {}, el("span", { class: "link", onclick: () => openObject(`${item.c}|${version.key}`, rev) }, `${version.type} ${version.object.kind || version.resource} ${objectName(version)} rv=${rev}`)));
      }
      parts.push(list);
    }
    parts.push(el("h2", {}, "Request body"), bodyBlock(r.requestBody));
    parts.push(el("h2", {}, "Response body"), bodyBlock(r.responseBody));
  } else if (item.sent) {
    const s = item.sent;
    add("event", s.type);
    add("object", `${s.resource}${s.group ? `.${s.group}` : ""} ${s.namespace ? `${s.namespace}/` : ""}${s.name}`);
    add("resourceVersion", s.rv);
    const watch = state.requests[item.c].get(s.watch);
    add("sent to watch", watch ? `#${watch.seq} ${watch.path}?${watch.query} (${watch.userAgent})` : `#${s.watch}`);
    parts.push(el("dl", {}, ...rows));
  } else if (item.enqueue) {
    add("controller", item.enqueue.listener);
    add("key", item.enqueue.key);
    add("cause", item.enqueue.cause);
    parts.push(el("dl", {}, ...rows));
  } else if (item.version) {
    const v = item.version;
    add("object", `${v.object.kind || v.resource} ${objectName(v)}`);
    add("resourceVersion", v.rev);
    add("change", v.type);
    parts.push(el("dl", {}, ...rows));
    parts.push(el("span", { class: "link", onclick: () => openObject(item.objectKey, v.rev) }, "show its history"));
  } else if (item.failure) {
    add("phase", item.failure.phase);
    add("where", item.failure.location);
    parts.push(el("dl", {}, ...rows), el("pre", { class: "body" }, item.failure.text));
  } else {
    add("phase", item.phase.name);
    add("outcome", item.phase.outcome);
    add("duration", formatTime(item.phase.end - item.phase.start));
    parts.push(el("dl", {}, ...rows));
  }
  pane.replaceChildren(...parts);
}

// A request or response body: JSON shown folded, anything else as the text it was; protobuf comes decoded.
function bodyBlock(body) {
  if (!body) return el("p", { class: "hint" }, "none");
  let shown = body.object !== undefined ? pretty(body.object) : body.text;
  if (body.text !== undefined) {
    try {
      shown = pretty(JSON.parse(body.text));
    } catch {
      // Not JSON (YAML, plain text, a malformed request): as it came.
    }
  }
  return el("div", {}, el("span", { class: "hint" }, `${body.contentType || "no content type"}, ${body.bytes} bytes`), el("pre", { class: "body" }, shown));
}

function pretty(value) {
  return JSON.stringify(value, null, 2);
}

// An object as the history tab shows it: without its managedFields unless asked (they change with every write).
function shown(obj) {
  if (!state.hideManagedFields || !obj.metadata || !obj.metadata.managedFields) return pretty(obj);
  const { managedFields, ...metadata } = obj.metadata;
  return pretty({ ...obj, metadata });
}

// The objects as they were at the picked moment: each one's last version committed by then.
function renderCluster() {
  const pane = $("#cluster");
  if (!state.picked) {
    pane.replaceChildren(el("p", { class: "hint" }, "Pick an item of the timeline."));
    return;
  }
  const moment = momentOf(state.picked);
  const groups = new Map();
  for (const [id, history] of state.versions) {
    let current = null;
    for (const version of history) {
      if (version.t === null || version.t <= moment) current = version;
    }
    if (!current || current.type === "DELETED") continue;
    const kind = current.object.kind || current.resource;
    if (!groups.has(kind)) groups.set(kind, []);
    groups.get(kind).push([id, current]);
  }
  const f = state.filters;
  const sections = [el("p", { class: "hint" }, `As of ${formatTime(moment)}; filters on namespace, kind and name apply.`)];
  for (const kind of [...groups.keys()].sort()) {
    if (f.kind && !kindMatches(f.kind, kind) && !kindMatches(f.kind, groups.get(kind)[0][1].resource)) continue;
    const entries = groups.get(kind).filter(([, v]) =>
      (!f.namespace || glob(f.namespace).test(v.namespace)) && (!f.name || glob(f.name).test(v.name)));
    if (!entries.length) continue;
    const list = el("ul");
    for (const [id, version] of entries) {
      list.append(el("li", { "data-object": id },
        el("span", { class: "link", onclick: () => openObject(id, version.rev) }, objectName(version)),
        ` rv=${version.rev}`, summary(version)));
    }
    sections.push(el("div", { class: "kind-group" }, el("h3", {}, `${kind} (${entries.length})`), list));
  }
  pane.replaceChildren(...sections);
}

function summary(version) {
  const described = simulatedState(version);
  if (described) return ` \u2014 ${described}`;
  const spec = version.object.spec;
  if (spec && spec.replicas !== undefined) return ` \u2014 replicas ${spec.replicas}`;
  return "";
}

function openObject(id, rev) {
  showObject(id, rev);
  showTab("object");
}

function showObject(id, rev) {
  state.objectKey = id;
  const history = state.versions.get(id) || [];
  const index = history.findIndex((v) => v.rev === rev);
  state.versionIndex = index >= 0 ? index : history.length - 1;
  renderObject();
}

function renderObject() {
  const pane = $("#object");
  const history = state.versions.get(state.objectKey);
  if (!history || !history.length) return;
  const c = Number(state.objectKey.split("|")[0]);
  const latest = history[history.length - 1];
  const kind = latest.object.kind || latest.resource;
  const rows = history.map((version, index) => {
    const request = state.requests[c].get(version.req);
    const by = request ? `#${request.seq} ${request.verb} by ${shortAgent(request.userAgent)}${request.fieldManager ? ` (manager ${request.fieldManager})` : ""}` : version.t === null ? "before the trace" : "seeded or unattributed";
    const row = el("tr", { "data-rev": version.rev, onclick: () => { state.versionIndex = index; renderObject(); } },
      el("td", {}, `rv=${version.rev}`), el("td", {}, version.type), el("td", {}, version.t === null ? "\u2014" : formatTime(version.t)), el("td", {}, by));
    if (index === state.versionIndex) row.classList.add("picked");
    return row;
  });
  const picked = history[state.versionIndex];
  const previous = history[state.versionIndex - 1];
  const filterButton = el("button", { type: "button", id: "filter-object", onclick: () => setFilters({ namespace: latest.namespace, kind, name: latest.name }) }, "filter the timeline to this object");
  const managedFields = el("input", { type: "checkbox", id: "hide-managed-fields" });
  managedFields.checked = state.hideManagedFields;
  managedFields.addEventListener("change", () => { state.hideManagedFields = managedFields.checked; renderObject(); });
  pane.replaceChildren(
    el("h2", {}, `${kind} ${objectName(latest)}`),
    filterButton,
    el("label", {}, managedFields, " hide managedFields"),
    el("table", { class: "versions" }, el("tbody", {}, ...rows)),
    el("h2", {}, previous ? `Diff rv=${previous.rev} \u2192 rv=${picked.rev}` : `rv=${picked.rev} (first version)`),
    previous ? diffBlock(shown(previous.object), shown(picked.object)) : el("pre", { class: "body" }, shown(picked.object)),
  );
}

// -- diffs ----------------------------------------------------------------------------------------

// A line diff (longest common subsequence) shown with three lines of context around each change.
function diffLines(before, after) {
  const a = before.split("\n");
  const b = after.split("\n");
  let head = 0;
  while (head < a.length && head < b.length && a[head] === b[head]) head++;
  let tail = 0;
  while (tail < a.length - head && tail < b.length - head && a[a.length - 1 - tail] === b[b.length - 1 - tail]) tail++;
  const x = a.slice(head, a.length - tail);
  const y = b.slice(head, b.length - tail);
  const ops = [];
  for (let i = 0; i < head; i++) ops.push([" ", a[i]]);
  if (x.length * y.length > 4e6) {
    for (const line of x) ops.push(["-", line]);
    for (const line of y) ops.push(["+", line]);
  } else {
    const lcs = Array.from({ length: x.length + 1 }, () => new Uint32Array(y.length + 1));
    for (let i = x.length - 1; i >= 0; i--) {
      for (let j = y.length - 1; j >= 0; j--) {
        lcs[i][j] = x[i] === y[j] ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
      }
    }
    let i = 0;
    let j = 0;
    while (i < x.length || j < y.length) {
      // Removed lines before added ones, as diff -u shows a change.
      if (i < x.length && j < y.length && x[i] === y[j]) { ops.push([" ", x[i]]); i++; j++; }
      else if (i < x.length && (j === y.length || lcs[i + 1][j] >= lcs[i][j + 1])) { ops.push(["-", x[i]]); i++; }
      else { ops.push(["+", y[j]]); j++; }
    }
  }
  for (let i = a.length - tail; i < a.length; i++) ops.push([" ", a[i]]);
  return ops;
}

function diffBlock(before, after) {
  const ops = diffLines(before, after);
  const near = ops.map(() => false);
  ops.forEach(([op], index) => {
    if (op !== " ") for (let k = Math.max(0, index - 3); k <= Math.min(ops.length - 1, index + 3); k++) near[k] = true;
  });
  const lines = [];
  let skipped = 0;
  ops.forEach(([op, text], index) => {
    if (!near[index]) { skipped++; return; }
    if (skipped) { lines.push(el("div", { class: "gap" }, `\u2026 ${skipped} unchanged lines`)); skipped = 0; }
    lines.push(el("div", { class: op === "+" ? "add" : op === "-" ? "del" : "" }, `${op} ${text}`));
  });
  if (skipped) lines.push(el("div", { class: "gap" }, `\u2026 ${skipped} unchanged lines`));
  if (!ops.some(([op]) => op !== " ")) lines.push(el("div", { class: "gap" }, "no difference"));
  return el("div", { class: "diff" }, ...lines);
}

// -- controls -------------------------------------------------------------------------------------

function showTab(name) {
  for (const button of document.querySelectorAll("#tabs button")) button.classList.toggle("active", button.dataset.tab === name);
  for (const tab of document.querySelectorAll(".tab")) tab.hidden = tab.id !== name;
}

function buildCategoryToggles() {
  const holder = $("#categories");
  for (const cat of CATEGORIES) {
    const box = el("input", { type: "checkbox", "data-category": cat });
    box.checked = true;
    box.addEventListener("change", () => {
      if (box.checked) state.hiddenCategories.delete(cat);
      else state.hiddenCategories.add(cat);
      applyFilters();
      render();
    });
    holder.append(el("label", { class: `cat-${cat}` }, box, ` ${cat}`));
  }
}

function bindControls() {
  $("#filters").addEventListener("input", readFilters);
  $("#filters").addEventListener("submit", (event) => event.preventDefault());
  $("#clear-filters").addEventListener("click", () => {
    setFilters({ namespace: "", kind: "", name: "", userAgent: "", verb: "", code: "" });
  });
  $("#prev").addEventListener("click", () => step(-1));
  $("#next").addEventListener("click", () => step(1));
  for (const button of document.querySelectorAll("#tabs button")) {
    button.addEventListener("click", () => showTab(button.dataset.tab));
  }
  $("#scrubber").addEventListener("click", (event) => {
    if (!state.shown.length) return;
    const box = $("#scrubber").getBoundingClientRect();
    const [first, last] = span();
    const t = first + ((event.clientX - box.left) / box.width) * (last - first);
    let nearest = state.shown[0];
    for (const item of state.shown) if (Math.abs(item.t - t) < Math.abs(nearest.t - t)) nearest = item;
    pick(nearest, { scroll: true });
  });
  document.addEventListener("keydown", (event) => {
    if (event.target.tagName === "INPUT") return;
    if (event.key === "j") step(1);
    if (event.key === "k") step(-1);
  });
}

start();
