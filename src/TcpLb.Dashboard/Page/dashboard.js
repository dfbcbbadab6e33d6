// The status page: polls /api/status every second and redraws the balancers and the chart in place
// (no reload, no library, nothing from another origin). Text goes in with textContent only.
"use strict";

const palette = ["#58a6ff", "#3fb950", "#d29922", "#f778ba", "#a371f7", "#39c5cf", "#ff7b72", "#e3b341"];
const svgNs = "http://www.w3.org/2000/svg";
const firstTotals = new Map();
let updates = 0;

function el(tag, attributes, text) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes || {})) node.setAttribute(name, value);
  if (text !== undefined) node.textContent = text;
  return node;
}

function svg(tag, attributes) {
  const node = document.createElementNS(svgNs, tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, String(value));
  return node;
}

function number(value) { return Number(value).toLocaleString("en-US"); }

function bytes(value) {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let v = Number(value), i = 0;
  while (v >= 1024 && i < units.length - 1) { v /= 1024; i++; }
  return (i === 0 ? v : v.toFixed(1)) + " " + units[i];
}

function colorOf(index) { return palette[index % palette.length]; }

function renderBalancer(balancer, colors) {
  const card = el("section", { class: "card balancer", "data-balancer": balancer.name });
  const head = el("div", { class: "balancer-head" });
  head.append(el("h2", {}, balancer.name), el("span", { class: "muted" }, balancer.listen + " · " + balancer.algorithm));
  head.append(el("span", { class: "badge outage-" + balancer.outage }, "outage: " + balancer.outage));
  const totals = el("div", { class: "totals" });
  for (const [label, value] of [["accepted", number(balancer.accepted)], ["served", number(balancer.served)], ["failed", number(balancer.failed)],
    ["rejected", number(balancer.rejected)], ["redispatched", number(balancer.redispatched)], ["active", number(balancer.active)],
    ["queued", number(balancer.queued)], ["in", bytes(balancer.bytesFromClients)], ["out", bytes(balancer.bytesFromBackends)]]) {
    const item = el("span", { "data-total": label }, label + " ");
    item.append(el("b", {}, value));
    totals.append(item);
  }
  head.append(totals);
  card.append(head);

  const table = el("table");
  const header = el("tr");
  for (const name of ["backend", "state", "weight", "active", "total", "to backend", "from backend", "failures", "redispatched", "last error"]) {
    header.append(el("th", name === "state" || name === "last error" ? { class: "left" } : {}, name));
  }
  table.append(header);
  for (const backend of balancer.backends) {
    const key = balancer.name + "\n" + backend.address;
    if (!firstTotals.has(key)) firstTotals.set(key, backend.total);
    const row = el("tr", { class: "backend", "data-backend": backend.address, "data-total": backend.total, "data-first-total": firstTotals.get(key), "data-state": backend.state });
    const name = el("td");
    const swatch = el("span", { class: "swatch" });
    swatch.style.background = colors.get(key) || "transparent";
    name.append(swatch, document.createTextNode(backend.address + (backend.backup ? " (backup)" : "")));
    const state = el("td", { class: "left" });
    state.append(el("span", { class: "state state-" + backend.state }, backend.state));
    row.append(name, state, el("td", {}, number(backend.weight)), el("td", {}, number(backend.active)), el("td", { class: "count" }, number(backend.total)),
      el("td", {}, bytes(backend.bytesToBackend)), el("td", {}, bytes(backend.bytesFromBackend)), el("td", {}, number(backend.failures)),
      el("td", {}, number(backend.redispatched)), el("td", { class: "error" }, backend.lastError || ""));
    table.append(row);
  }
  card.append(table);

  if (balancer.toxics.length > 0) {
    const list = el("ul", { class: "toxics" });
    for (const toxic of balancer.toxics) {
      list.append(el("li", { "data-toxic": toxic.name }, `toxic ${toxic.name}: ${toxic.type} ${toxic.direction} (${toxic.attributes}), toxicity ${toxic.toxicity}` +
        (toxic.backend ? ` on ${toxic.backend}` : "") + `, ${number(toxic.connections)} connections`));
    }
    card.append(list);
  }
  return card;
}

function renderChart(history, colors) {
  const chart = document.getElementById("chart");
  const legend = document.getElementById("legend");
  const width = 1000, height = 220, left = 44, bottom = 18, top = 8;
  const times = history.times;
  let max = 1;
  for (const series of history.series) for (const rate of series.rates) if (rate !== null && rate > max) max = rate;
  max = Math.ceil(max);
  const nodes = [];
  for (let i = 0; i <= 4; i++) {
    const y = top + (height - top - bottom) * i / 4;
    nodes.push(svg("line", { class: "grid", x1: left, x2: width, y1: y, y2: y }));
    const label = svg("text", { class: "axis", x: left - 6, y: y + 4, "text-anchor": "end" });
    label.textContent = (max * (4 - i) / 4).toFixed(max < 8 ? 1 : 0);
    nodes.push(label);
  }
  const span = times.length > 1 ? times[times.length - 1] - times[0] : 1;
  const x = (t) => left + (width - left) * (times.length > 1 ? (t - times[0]) / span : 1);
  const y = (v) => top + (height - top - bottom) * (1 - v / max);
  for (const mark of history.events) {
    if (times.length === 0 || mark.time < times[0]) continue;
    const line = svg("line", { class: "mark", x1: x(mark.time), x2: x(mark.time), y1: top, y2: height - bottom,
      stroke: mark.to === "Up" ? "#3fb950" : "#f85149" });
    const title = svg("title", {});
    title.textContent = `${mark.balancer} ${mark.backend}: ${mark.from} → ${mark.to}`;
    line.append(title);
    nodes.push(line);
  }
  legend.replaceChildren();
  for (const series of history.series) {
    const key = series.balancer + "\n" + series.backend;
    const color = colors.get(key);
    let path = "";
    series.rates.forEach((rate, i) => {
      if (rate === null) return;
      path += (path === "" || series.rates[i - 1] === null ? "M" : "L") + x(times[i]).toFixed(1) + "," + y(rate).toFixed(1);
    });
    if (path !== "") nodes.push(svg("path", { class: "series", d: path, stroke: color, "data-series": key }));
    const item = el("span", {});
    const swatch = el("span", { class: "swatch" });
    swatch.style.background = color;
    const last = series.rates.length > 0 ? series.rates[series.rates.length - 1] : null;
    item.append(swatch, document.createTextNode(`${series.balancer} ${series.backend}: ${last === null ? "–" : last.toFixed(1)}/s`));
    legend.append(item);
  }
  const axis = svg("text", { class: "axis", x: width, y: height - 4, "text-anchor": "end" });
  axis.textContent = times.length > 1 ? `last ${Math.round(span / 1000)} s` : "collecting…";
  nodes.push(axis);
  chart.replaceChildren(...nodes);
}

function render(status) {
  const colors = new Map();
  let index = 0;
  for (const balancer of status.balancers) for (const backend of balancer.backends) colors.set(balancer.name + "\n" + backend.address, colorOf(index++));
  document.getElementById("balancers").replaceChildren(...status.balancers.map((b) => renderBalancer(b, colors)));
  document.getElementById("empty").hidden = status.balancers.length > 0;
  document.getElementById("toxiproxy").hidden = !status.toxiproxyApi;
  renderChart(status.history, colors);
  updates++;
  document.body.setAttribute("data-updates", String(updates));
  document.getElementById("updated").textContent = "updated " + new Date(status.time).toLocaleTimeString("en-GB");
}

async function refresh() {
  try {
    const response = await fetch("/api/status", { cache: "no-store" });
    if (!response.ok) throw new Error("HTTP " + response.status);
    render(await response.json());
  } catch (error) {
    document.getElementById("updated").textContent = "not reachable (" + error.message + "); retrying";
  } finally {
    setTimeout(refresh, 1000);
  }
}

refresh();
