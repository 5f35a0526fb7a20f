"""The style and script of ``report.html`` (:mod:`hwcost.study.report_html`), written for hwcost:
no library, no network, no clock. The script reads the page's JSON data and draws

- the Pareto scatter of the chosen objective pair (and group: workload, noise level) as SVG,
  zoomed by dragging a rectangle:
  colour per scheme (the figures' colours), marker per architecture, front points ringed and
  joined by their staircase, each axis logarithmic when its positive values span a decade (the
  figures' rule), labelled with its quantity and unit;
- a tooltip on hover (or keyboard focus) with the point's design, its objectives and its energy
  per inference by unit; ``report.html#point=N&zoom=X0,X1,Y0,Y1`` opens it for row N of results.csv, zoomed;
- the results table, sorted by a click on a header (again: the other way), units under each name.
"""

from __future__ import annotations

__all__ = ["STYLE", "SCRIPT"]

STYLE = """
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; margin: 1.2em 2em; color: #222; max-width: 1300px; }
h1 { font-size: 1.5em; margin-bottom: 0.2em; } h2 { font-size: 1.15em; margin-top: 1.4em; }
.note { color: #555; font-size: 0.9em; }
.controls { display: flex; gap: 1.5em; align-items: center; margin: 0.4em 0; font-size: 0.95em; }
select { font: inherit; }
#plot-box { display: flex; gap: 1em; align-items: flex-start; flex-wrap: wrap; }
#plot { border: 1px solid #ddd; background: #fff; }
#plot text { font-size: 12px; fill: #333; }
#plot .axis-title { font-size: 13px; fill: #111; }
#plot .grid { stroke: #eee; } #plot .frame { fill: none; stroke: #888; }
#plot .front { fill: none; stroke: #111; stroke-width: 1.3; }
#plot .ring { fill: none; stroke: #111; stroke-width: 1.2; }
#plot .mark { stroke: #fff; stroke-width: 0.8; }
#plot .point { cursor: pointer; } #plot .point:focus { outline: none; }
#plot .point.hot .mark, #plot .point:focus .mark { stroke: #000; stroke-width: 2.5; }
#plot .label { font-size: 11px; fill: #111; }
#legend { font-size: 12px; min-width: 180px; }
#legend div { margin: 2px 0; display: flex; align-items: center; gap: 6px; }
#legend .head { font-weight: 600; margin-top: 8px; }
#legend .swatch { width: 12px; height: 12px; display: inline-block; border-radius: 2px; }
#tip { position: fixed; z-index: 10; background: #fff; border: 1px solid #999; box-shadow: 0 2px 8px rgba(0,0,0,0.25);
       padding: 6px 8px; font-size: 12px; max-width: 420px; pointer-events: none; }
#tip .tip-title { font-weight: 600; margin-bottom: 4px; } #tip .tip-sub { font-weight: 600; margin: 6px 0 2px; }
#tip table { border-collapse: collapse; } #tip td { padding: 0 6px 0 0; vertical-align: middle; white-space: nowrap; }
#tip td.num { text-align: right; font-variant-numeric: tabular-nums; }
#tip .bar { display: inline-block; height: 8px; background: #4c78a8; margin-right: 4px; vertical-align: middle; }
#tip .front-badge { font-weight: 400; color: #555; }
#table-box { overflow: auto; max-height: 560px; border: 1px solid #ddd; }
table#results { border-collapse: collapse; font-size: 12px; }
#results th, #results td { padding: 2px 8px; border-bottom: 1px solid #eee; white-space: nowrap; }
#results th { position: sticky; top: 0; background: #f4f4f4; cursor: pointer; text-align: left; vertical-align: bottom; user-select: none; }
#results th .unit { font-weight: 400; color: #555; }
#results th.sorted-up::after { content: " ▲"; } #results th.sorted-down::after { content: " ▼"; }
#results td.num { text-align: right; font-variant-numeric: tabular-nums; }
#results tr:hover td, #results tr.picked td { background: #fff5d6; }
"""

SCRIPT = r"""
"use strict";
(function () {
  const D = JSON.parse(document.getElementById("hwcost-data").textContent);
  const SVG = "http://www.w3.org/2000/svg";
  const W = 760, H = 470, M = {l: 84, r: 20, t: 16, b: 54};
  const C = D.columns, ix = {};
  C.forEach(function (c, i) { ix[c] = i; });
  const rows = D.rows;
  const numberOf = function (r, c) { const v = rows[r][ix[c]]; return typeof v === "number" ? v : NaN; };
  const textOf = function (r, c) { const v = rows[r][ix[c]]; return v === null || v === undefined ? "–" : String(v); };

  function fmt(v) {
    if (typeof v !== "number") return v === null || v === undefined ? "–" : String(v);
    if (!isFinite(v)) return "–";
    const a = Math.abs(v);
    if (a === 0) return "0";
    if (a >= 1e15 || a < 1e-3) return v.toExponential(3);
    if (a >= 1e4) return Math.round(v).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ",");
    return String(+v.toPrecision(4));
  }
  function el(tag, attrs, parent, text) {
    const e = tag.indexOf("svg:") === 0 ? document.createElementNS(SVG, tag.slice(4)) : document.createElement(tag);
    for (const k in attrs || {}) e.setAttribute(k, attrs[k]);
    if (text !== undefined) e.textContent = text;
    if (parent) parent.appendChild(e);
    return e;
  }
  function clear(e) { while (e.firstChild) e.removeChild(e.firstChild); }

  // groups within which fronts are computed (workload, noise level), in order of appearance
  const groupKey = function (r) { return D.group_by.map(function (c) { return c + " " + textOf(r, c); }).join(", "); };
  const groups = [];
  rows.forEach(function (_, r) { const k = groupKey(r); if (groups.indexOf(k) < 0) groups.push(k); });
  const archs = [];
  rows.forEach(function (_, r) { const a = textOf(r, "arch"); if (archs.indexOf(a) < 0) archs.push(a); });
  // sortCol: null (results.csv order), "row", "front" or a column's index
  const state = {pair: 0, group: 0, sortCol: null, sortDir: 1, picked: -1, zoom: null};
  let pointEls = {}, front = new Set(), axes = null, drag = null;

  function axisTitle(a, log) { return a.label + " (" + a.unit + ")" + (log ? ", log scale" : ""); }
  function linTicks(a, b) {
    const raw = (b - a) / 6, p = Math.pow(10, Math.floor(Math.log10(raw))), m = raw / p;
    const step = (m < 1.5 ? 1 : m < 3.5 ? 2 : m < 7.5 ? 5 : 10) * p, out = [];
    for (let t = Math.ceil(a / step) * step; t <= b + step * 1e-9; t += step) out.push(+t.toPrecision(12));
    return out;
  }
  function logTicks(a, b) {
    // under a decade (a zoomed axis), evenly spaced round values: decades alone would leave one tick or none
    if (b - a < 1) return linTicks(Math.pow(10, a), Math.pow(10, b)).filter(function (t) { return t > 0; });
    const out = [], mult = b - a > 2.5 ? [1] : [1, 2, 5];
    for (let k = Math.floor(a); k <= Math.ceil(b); k++) {
      mult.forEach(function (m) { const t = +(m * Math.pow(10, k)).toPrecision(12), l = Math.log10(t); if (l >= a && l <= b) out.push(t); });
    }
    return out;
  }
  // values -> pixels lo..hi: logarithmic when the positive values span a decade; over
  // bounds [min, max] when zoomed, else over the values with a 6 % margin
  function scale(values, lo, hi, bounds) {
    const min = Math.min.apply(null, values), max = Math.max.apply(null, values);
    const log = min > 0 && values.length > 1 && max / min >= 10;
    const t = function (v) { return log ? Math.log10(v) : v; };
    let a = t(bounds ? bounds[0] : min), b = t(bounds ? bounds[1] : max);
    if (!bounds) {
      if (a === b) { const d = log ? 0.5 : (Math.abs(a) * 0.05 || 1); a -= d; b += d; }
      const pad = (b - a) * 0.06; a -= pad; b += pad;
    }
    return {log: log, ticks: log ? logTicks(a, b) : linTicks(a, b),
            f: function (v) { return lo + (t(v) - a) / (b - a) * (hi - lo); },
            inv: function (p) { const u = a + (p - lo) / (hi - lo) * (b - a); return log ? Math.pow(10, u) : u; }};
  }
  function marker(shape, x, y, s, parent) {
    if (shape === 0) return el("svg:circle", {cx: x, cy: y, r: s}, parent);
    if (shape === 1) return el("svg:rect", {x: x - 0.9 * s, y: y - 0.9 * s, width: 1.8 * s, height: 1.8 * s}, parent);
    const shapes = [[[0, -1.25], [1.1, 0.8], [-1.1, 0.8]], [[0, -1.3], [1.15, 0], [0, 1.3], [-1.15, 0]], [[0, 1.25], [1.1, -0.8], [-1.1, -0.8]]];
    const pts = shapes[(shape - 2) % 3].map(function (p) { return (x + p[0] * s).toFixed(2) + "," + (y + p[1] * s).toFixed(2); });
    return el("svg:polygon", {points: pts.join(" ")}, parent);
  }
  function pointName(r) { return textOf(r, "scheme") + " W" + textOf(r, "weight_bits") + "A" + textOf(r, "act_bits"); }

  function draw() {
    const svg = document.getElementById("plot"), P = D.pairs[state.pair], g = groups[state.group];
    clear(svg); pointEls = {}; front = new Set(P.front);
    const inGroup = rows.map(function (_, r) { return r; }).filter(function (r) { return groupKey(r) === g; });
    const X = function (r) { return numberOf(r, P.x.column) * P.x.scale; }, Y = function (r) { return numberOf(r, P.y.column) * P.y.scale; };
    const valued = inGroup.filter(function (r) { return isFinite(X(r)) && isFinite(Y(r)); });
    const z = state.zoom, inside = function (v, b) { return !b || (v >= b[0] && v <= b[1]); };
    const pts = valued.filter(function (r) { return !z || (inside(X(r), z.x) && inside(Y(r), z.y)); });
    const missing = inGroup.length - valued.length;
    document.getElementById("reset-zoom").hidden = !z;
    document.getElementById("plot-note").textContent = pts.length + " points drawn" +
      (z ? " (zoomed: " + (valued.length - pts.length) + " outside)" : "") +
      (missing ? "; " + missing + " have no value for one of the two objectives and are not drawn" : "") +
      ". Ringed and joined: the Pareto front of this pair (" + P.x.sense + " x, " + P.y.sense + " y). Hover a point for its design and its energy by unit.";
    if (!valued.length) { el("svg:text", {x: W / 2, y: H / 2, "text-anchor": "middle"}, svg, "No point of this group has values for both objectives."); legend([]); return; }
    const sx = scale(valued.map(X), M.l, W - M.r, z && z.x), sy = scale(valued.map(Y), H - M.b, M.t, z && z.y);
    axes = {sx: sx, sy: sy};
    const grid = el("svg:g", {}, svg);
    sx.ticks.forEach(function (t) { const x = sx.f(t); el("svg:line", {x1: x, x2: x, y1: M.t, y2: H - M.b, class: "grid"}, grid);
      el("svg:text", {x: x, y: H - M.b + 16, "text-anchor": "middle"}, grid, fmt(t)); });
    sy.ticks.forEach(function (t) { const y = sy.f(t); el("svg:line", {x1: M.l, x2: W - M.r, y1: y, y2: y, class: "grid"}, grid);
      el("svg:text", {x: M.l - 6, y: y + 4, "text-anchor": "end"}, grid, fmt(t)); });
    el("svg:rect", {x: M.l, y: M.t, width: W - M.l - M.r, height: H - M.t - M.b, class: "frame"}, grid);
    el("svg:text", {x: (M.l + W - M.r) / 2, y: H - 14, "text-anchor": "middle", class: "axis-title"}, grid, axisTitle(P.x, sx.log));
    el("svg:text", {transform: "translate(20," + (M.t + H - M.b) / 2 + ") rotate(-90)", "text-anchor": "middle", class: "axis-title"}, grid, axisTitle(P.y, sy.log));
    const onFront = pts.filter(function (r) { return front.has(r); });
    const fp = onFront.map(function (r) { return [sx.f(X(r)), sy.f(Y(r)), r]; }).sort(function (a, b) { return a[0] - b[0] || b[1] - a[1]; });
    if (fp.length > 1) {
      let d = "M" + fp[0][0].toFixed(2) + "," + fp[0][1].toFixed(2);
      for (let i = 1; i < fp.length; i++) d += "H" + fp[i][0].toFixed(2) + "V" + fp[i][1].toFixed(2);
      el("svg:path", {d: d, class: "front"}, svg);
    }
    const layer = el("svg:g", {}, svg);
    pts.filter(function (r) { return !front.has(r); }).concat(onFront).forEach(function (r) {
      const x = sx.f(X(r)), y = sy.f(Y(r));
      const g2 = el("svg:g", {class: "point", tabindex: 0, "aria-label": pointName(r)}, layer);
      if (front.has(r)) el("svg:circle", {cx: x, cy: y, r: 10.5, class: "ring"}, g2);
      const m = marker(archs.indexOf(textOf(r, "arch")), x, y, 6, g2);
      m.setAttribute("class", "mark"); m.setAttribute("fill", D.colours[textOf(r, "scheme")] || "#777");
      g2.addEventListener("mouseenter", function (ev) { showTip(r, ev.clientX, ev.clientY); });
      g2.addEventListener("mousemove", function (ev) { place(ev.clientX, ev.clientY); });
      g2.addEventListener("mouseleave", hideTip);
      g2.addEventListener("focus", function () { const b = g2.getBoundingClientRect(); showTip(r, b.right, b.bottom); });
      g2.addEventListener("blur", hideTip);
      g2.addEventListener("click", function () { pick(r); });
      pointEls[r] = g2;
    });
    labelFront(fp, pts.map(function (r) { return [sx.f(X(r)), sy.f(Y(r))]; }), svg);
    legend(pts);
  }
  // "scheme WxAy" beside each front point: right of it, else left, above or below; left out
  // where it would cover another label or a marker (hover still names the point)
  function labelFront(fp, marks, svg) {
    const placed = [], h = 12;
    const free = function (x0, y0, w) {
      if (x0 < M.l + 2 || x0 + w > W - M.r - 2 || y0 < M.t + 2 || y0 + h > H - M.b - 2) return false;
      if (placed.some(function (q) { return x0 < q[0] + q[2] && q[0] < x0 + w && y0 < q[1] + h && q[1] < y0 + h; })) return false;
      return !marks.some(function (m) { return m[0] > x0 - 7 && m[0] < x0 + w + 7 && m[1] > y0 - 7 && m[1] < y0 + h + 7; });
    };
    fp.forEach(function (p) {
      const t = pointName(p[2]), w = 6.6 * t.length, x = p[0], y = p[1];
      const spots = [[x + 12, y - h / 2, "start", x + 12, y + 4], [x - 12 - w, y - h / 2, "end", x - 12, y + 4],
                     [x - w / 2, y - 12 - h, "middle", x, y - 15], [x - w / 2, y + 12, "middle", x, y + 22]];
      const spot = spots.find(function (s) { return free(s[0], s[1], w); });
      if (!spot) return;
      placed.push([spot[0], spot[1], w]);
      el("svg:text", {x: spot[3], y: spot[4], "text-anchor": spot[2], class: "label"}, svg, t);
    });
  }
  function legend(pts) {
    const box = document.getElementById("legend"); clear(box);
    const schemes = [], arches = [];
    pts.forEach(function (r) { const s = textOf(r, "scheme"), a = textOf(r, "arch");
      if (schemes.indexOf(s) < 0) schemes.push(s); if (arches.indexOf(a) < 0) arches.push(a); });
    el("div", {class: "head"}, box, "scheme (colour)");
    schemes.forEach(function (s) { const d = el("div", {}, box); const sw = el("span", {class: "swatch"}, d); sw.style.background = D.colours[s] || "#777"; el("span", {}, d, s); });
    el("div", {class: "head"}, box, "architecture (marker)");
    arches.forEach(function (a) { const d = el("div", {}, box); const s = el("svg:svg", {width: 14, height: 14}, d);
      const m = marker(archs.indexOf(a), 7, 7, 5, s); m.setAttribute("fill", "#666"); el("span", {}, d, a); });
    el("div", {class: "head"}, box, "Pareto front");
    const d = el("div", {}, box), s = el("svg:svg", {width: 24, height: 14}, d);
    el("svg:circle", {cx: 12, cy: 7, r: 6, fill: "none", stroke: "#111"}, s); el("span", {}, d, "ringed, joined by its staircase");
  }

  const tip = document.getElementById("tip");
  function tipRow(table, name, value) { const tr = el("tr", {}, table); el("td", {}, tr, name); el("td", {class: "num"}, tr, value); }
  function showTip(r, cx, cy) {
    clear(tip);
    const title = el("div", {class: "tip-title"}, tip, pointName(r));
    if (front.has(r)) el("span", {class: "front-badge"}, title, " · on the front");
    const t1 = el("table", {}, tip);
    D.design.forEach(function (c) { const u = D.units[ix[c]]; tipRow(t1, c + (u ? " (" + u + ")" : ""), fmt(rows[r][ix[c]])); });
    D.objectives.forEach(function (o) { tipRow(t1, o.label + " (" + o.unit + ")", fmt(numberOf(r, o.column) * o.scale)); });
    const B = D.breakdown, total = numberOf(r, B.total);
    if (isFinite(total) && total > 0) {
      const parts = B.units.map(function (u) { return [u, numberOf(r, "energy_pj." + u)]; })
        .filter(function (p) { return p[1] > 0; }).sort(function (a, b) { return b[1] - a[1]; });
      el("div", {class: "tip-sub"}, tip, B.label + " by unit: " + fmt(total * B.scale) + " " + B.unit);
      const t2 = el("table", {}, tip), shown = parts.slice(0, 12), rest = parts.slice(12);
      shown.forEach(function (p) {
        const tr = el("tr", {}, t2), share = 100 * p[1] / total;
        el("td", {}, tr, p[0]); el("td", {class: "num"}, tr, fmt(p[1] * B.scale) + " " + B.unit);
        const td = el("td", {}, tr), bar = el("span", {class: "bar"}, td); bar.style.width = Math.max(1, share).toFixed(1) + "px";
        el("span", {}, td, share < 0.01 ? "< 0.01 %" : share.toFixed(share < 1 ? 2 : 1) + " %");
      });
      if (rest.length) {
        const sum = rest.reduce(function (s, p) { return s + p[1]; }, 0);
        tipRow(t2, rest.length + " more units", fmt(sum * B.scale) + " " + B.unit);
      }
    }
    tip.hidden = false; place(cx, cy);
  }
  function place(cx, cy) {
    const w = tip.offsetWidth, h = tip.offsetHeight;
    let x = cx + 16, y = cy + 12;
    if (x + w > window.innerWidth - 8) x = Math.max(8, cx - w - 16);
    if (y + h > window.innerHeight - 8) y = Math.max(8, window.innerHeight - h - 8);
    tip.style.left = x + "px"; tip.style.top = y + "px";
  }
  function hideTip() { tip.hidden = true; }

  function tableColumns() {
    const all = document.getElementById("all-columns").checked;
    return all ? C.map(function (_, i) { return i; }) : D.shown.map(function (c) { return ix[c]; });
  }
  function compare(i) {
    return function (a, b) {
      const va = rows[a][i], vb = rows[b][i];
      const na = va === null || (typeof va === "number" && !isFinite(va)), nb = vb === null || (typeof vb === "number" && !isFinite(vb));
      if (na || nb) return na === nb ? a - b : (na ? 1 : -1);  // empty cells last, either way
      if (va < vb) return -state.sortDir; if (va > vb) return state.sortDir; return a - b;
    };
  }
  function buildTable() {
    const cols = tableColumns(), table = document.getElementById("results");
    const head = table.tHead, body = table.tBodies[0];
    clear(head); clear(body);
    const hr = el("tr", {}, head);
    const headers = [["row", "of results.csv", "row"], ["front", "this pair", "front"]].concat(cols.map(function (i) { return [C[i], D.units[i], i]; }));
    headers.forEach(function (h) {
      const th = el("th", {scope: "col", title: "sort by " + h[0]}, hr, h[0]);
      el("br", {}, th); el("span", {class: "unit"}, th, h[1] ? "(" + h[1] + ")" : "\u00a0");
      if (h[2] === state.sortCol) th.className = state.sortDir > 0 ? "sorted-up" : "sorted-down";
      th.addEventListener("click", function () {
        state.sortDir = state.sortCol === h[2] ? -state.sortDir : 1; state.sortCol = h[2]; buildTable(); });
    });
    let order = rows.map(function (_, r) { return r; });
    if (state.sortCol === "row") order.sort(function (a, b) { return state.sortDir * (a - b); });
    else if (state.sortCol === "front") order.sort(function (a, b) { return state.sortDir * ((front.has(b) ? 1 : 0) - (front.has(a) ? 1 : 0)) || a - b; });
    else if (state.sortCol !== null) order.sort(compare(state.sortCol));
    order.forEach(function (r) {
      const tr = el("tr", {id: "row-" + r}, body);
      if (r === state.picked) tr.className = "picked";
      el("td", {class: "num"}, tr, String(r + 1));
      el("td", {}, tr, front.has(r) ? "★" : "");
      cols.forEach(function (i) { const v = rows[r][i]; el("td", {class: typeof v === "number" ? "num" : "", title: v === null ? "empty" : String(v)}, tr, fmt(v)); });
      tr.addEventListener("mouseenter", function () { if (pointEls[r]) pointEls[r].classList.add("hot"); });
      tr.addEventListener("mouseleave", function () { if (pointEls[r]) pointEls[r].classList.remove("hot"); });
    });
  }
  function pick(r) {
    state.picked = r; buildTable();
    const tr = document.getElementById("row-" + r);
    if (tr) tr.scrollIntoView({block: "nearest"});
  }
  // report.html#point=N&zoom=X0,X1,Y0,Y1: row N of results.csv (the table's "row") picked, its
  // tooltip open; the axes zoomed to X0..X1, Y0..Y1 (in the axes' units); pair=K picks the K-th pair
  function linked() {
    const args = {};
    window.location.hash.slice(1).split("&").forEach(function (kv) { const i = kv.indexOf("="); if (i > 0) args[kv.slice(0, i)] = kv.slice(i + 1); });
    const r = args.point ? +args.point - 1 : -1, zoom = (args.zoom || "").split(",").map(Number), pair = +args.pair;
    if (pair >= 1 && pair <= D.pairs.length) { state.pair = pair - 1; pairSel.value = String(state.pair); }
    if (r >= 0 && r < rows.length) { state.group = groups.indexOf(groupKey(r)); groupSel.value = String(state.group); state.picked = r; }
    state.zoom = zoom.length === 4 && zoom.every(isFinite) ? {x: [zoom[0], zoom[1]], y: [zoom[2], zoom[3]]} : null;
    draw(); buildTable();
    const e = pointEls[r];
    if (e) { e.classList.add("hot"); const b = e.getBoundingClientRect(); showTip(r, b.right, b.top); }
  }
  const pairSel = document.getElementById("pair"), groupSel = document.getElementById("group");
  D.pairs.forEach(function (p, i) { el("option", {value: i}, pairSel, p.y.label + " (" + p.y.unit + ") vs " + p.x.label + " (" + p.x.unit + ")"); });
  groups.forEach(function (g, i) { el("option", {value: i}, groupSel, g); });
  if (groups.length < 2) document.getElementById("group-label").hidden = true;
  pairSel.addEventListener("change", function () { state.pair = +pairSel.value; state.zoom = null; draw(); buildTable(); });
  groupSel.addEventListener("change", function () { state.group = +groupSel.value; state.zoom = null; draw(); buildTable(); });
  document.getElementById("reset-zoom").addEventListener("click", function () { state.zoom = null; draw(); });
  const constants = Object.keys(D.constant);
  document.getElementById("constants").textContent = constants.length ? "The same for every point (so left out of the table; all columns shows them): " +
    constants.map(function (c) { return c + " " + D.constant[c]; }).join(", ") + "." : "";

  // zoom: drag a rectangle inside the axes; a double click or "reset zoom" shows everything
  const svg = document.getElementById("plot");
  const local = function (ev) { const b = svg.getBoundingClientRect(); return [ev.clientX - b.left, ev.clientY - b.top]; };
  svg.addEventListener("mousedown", function (ev) {
    const p = local(ev);
    if (ev.button !== 0 || !axes || p[0] < M.l || p[0] > W - M.r || p[1] < M.t || p[1] > H - M.b) return;
    drag = {p: p, box: el("svg:rect", {x: p[0], y: p[1], width: 0, height: 0, fill: "rgba(76,120,168,0.12)", stroke: "#4c78a8"}, svg)};
    ev.preventDefault();
  });
  window.addEventListener("mousemove", function (ev) {
    if (!drag) return;
    const p = local(ev);
    drag.box.setAttribute("x", Math.min(p[0], drag.p[0])); drag.box.setAttribute("y", Math.min(p[1], drag.p[1]));
    drag.box.setAttribute("width", Math.abs(p[0] - drag.p[0])); drag.box.setAttribute("height", Math.abs(p[1] - drag.p[1]));
  });
  window.addEventListener("mouseup", function (ev) {
    if (!drag) return;
    const p = local(ev), q = drag.p;
    drag.box.remove(); drag = null;
    if (Math.abs(p[0] - q[0]) < 6 || Math.abs(p[1] - q[1]) < 6) return;
    const xs = [axes.sx.inv(Math.min(p[0], q[0])), axes.sx.inv(Math.max(p[0], q[0]))];
    const ys = [axes.sy.inv(Math.max(p[1], q[1])), axes.sy.inv(Math.min(p[1], q[1]))];
    state.zoom = {x: xs, y: ys}; hideTip(); draw();
  });
  svg.addEventListener("dblclick", function () { if (state.zoom) { state.zoom = null; draw(); } });
  document.getElementById("all-columns").addEventListener("change", buildTable);
  draw(); buildTable(); linked();
  window.addEventListener("hashchange", linked);
})();
"""
