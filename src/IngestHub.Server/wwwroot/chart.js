// Minimal SVG time-series chart: labelled time axis, y grid, one polyline (with dots) per series.
"use strict";
window.IngestChart = (function () {
  const NS = "http://www.w3.org/2000/svg";
  const PALETTE = ["#2563eb", "#12b76a", "#f79009", "#7a5af8", "#ee46bc", "#06aed4", "#f04438", "#84cc16", "#667085", "#0e9384"];

  function el(name, attrs, parent) {
    const node = document.createElementNS(NS, name);
    for (const k in attrs) node.setAttribute(k, attrs[k]);
    if (parent) parent.appendChild(node);
    return node;
  }

  function niceStep(range, ticks) {
    const raw = range / Math.max(1, ticks);
    const mag = Math.pow(10, Math.floor(Math.log10(raw)));
    const norm = raw / mag;
    return (norm <= 1 ? 1 : norm <= 2 ? 2 : norm <= 5 ? 5 : 10) * mag;
  }

  function timeLabel(ms, spanMs) {
    const d = new Date(ms);
    const pad = n => String(n).padStart(2, "0");
    const hm = pad(d.getHours()) + ":" + pad(d.getMinutes());
    return spanMs <= 10 * 60 * 1000 ? hm + ":" + pad(d.getSeconds()) : hm;
  }

  // series: [{name, color?, points: [[tMs, value], ...]}]; options: {format(v), from, to, dots, bands: [{from, to, color, label}], markers: [{t, label, color, kind}]}
  function render(container, series, options) {
    options = options || {};
    const format = options.format || (v => String(v));
    const width = Math.max(280, container.clientWidth || 600);
    const height = Math.max(160, container.clientHeight || 240);
    const m = { left: 58, right: 14, top: 10, bottom: 26 };
    const svg = el("svg", { viewBox: `0 0 ${width} ${height}`, role: "img", "aria-label": options.label || "chart" });
    let count = 0, tMin = Infinity, tMax = -Infinity, vMax = 0;
    for (const s of series) for (const [t, v] of s.points) {
      count++; tMin = Math.min(tMin, t); tMax = Math.max(tMax, t); vMax = Math.max(vMax, v);
    }
    if (options.from != null) tMin = Math.min(tMin, options.from);
    if (options.to != null) tMax = Math.max(tMax, options.to);
    svg.setAttribute("data-points", String(count));
    svg.setAttribute("data-series", String(series.length));
    container.replaceChildren(svg);
    const plotW = width - m.left - m.right, plotH = height - m.top - m.bottom;
    el("line", { class: "axis", x1: m.left, x2: width - m.right, y1: m.top + plotH, y2: m.top + plotH }, svg);
    if (count === 0) {
      const t = el("text", { class: "nodata", x: m.left + plotW / 2, y: m.top + plotH / 2, "text-anchor": "middle" }, svg);
      t.textContent = "Collecting samples…";
      return svg;
    }
    if (tMax <= tMin) { tMin -= 30000; tMax += 1000; }
    const headroom = (vMax || 1) * 1.08; // keep the highest line off the top edge
    const yStep = niceStep(headroom, 4);
    const yTop = Math.max(yStep, Math.ceil(headroom / yStep) * yStep);
    const x = t => m.left + (t - tMin) / (tMax - tMin) * plotW;
    const y = v => m.top + plotH - v / yTop * plotH;
    for (let v = 0; v <= yTop + yStep / 2; v += yStep) {
      el("line", { class: "grid-line", x1: m.left, x2: width - m.right, y1: y(v), y2: y(v) }, svg);
      const label = el("text", { x: m.left - 8, y: y(v) + 4, "text-anchor": "end" }, svg);
      label.textContent = format(v);
    }
    const span = tMax - tMin;
    const steps = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200].map(s => s * 1000);
    const wanted = Math.max(2, Math.floor(plotW / 90));
    const tStep = steps.find(s => span / s <= wanted) || steps[steps.length - 1];
    for (let t = Math.ceil(tMin / tStep) * tStep; t <= tMax; t += tStep) {
      el("line", { class: "axis", x1: x(t), x2: x(t), y1: m.top + plotH, y2: m.top + plotH + 4 }, svg);
      const label = el("text", { x: x(t), y: height - 6, "text-anchor": "middle", class: "time-label" }, svg);
      label.textContent = timeLabel(t, span);
    }
    // Shaded time ranges behind the lines (e.g. spill phases) and vertical markers (e.g. decisions).
    for (const b of options.bands || []) {
      const x0 = x(Math.max(tMin, b.from)), x1 = x(Math.min(tMax, b.to));
      if (x1 <= x0) continue;
      const rect = el("rect", { class: "band", x: x0.toFixed(1), y: m.top, width: (x1 - x0).toFixed(1), height: plotH, fill: b.color, "data-band": b.label }, svg);
      el("title", {}, rect).textContent = b.label;
    }
    for (const mk of options.markers || []) {
      if (mk.t < tMin || mk.t > tMax) continue;
      const line = el("line", { class: "marker", x1: x(mk.t), x2: x(mk.t), y1: m.top, y2: m.top + plotH, stroke: mk.color || "#667085", "data-marker": mk.kind || "" }, svg);
      el("title", {}, line).textContent = mk.label;
    }
    series.forEach((s, i) => {
      const color = s.color || PALETTE[i % PALETTE.length];
      const g = el("g", { "data-name": s.name }, svg);
      el("polyline", { class: "series", stroke: color, "stroke-width": s.width || 2, points: s.points.map(([t, v]) => x(t).toFixed(1) + "," + y(v).toFixed(1)).join(" ") }, g);
      if (options.dots !== false && s.points.length <= 180) {
        for (const [t, v] of s.points) {
          const dot = el("circle", { class: "dot", cx: x(t).toFixed(1), cy: y(v).toFixed(1), r: 2.6, fill: color }, g);
          const title = el("title", {}, dot);
          title.textContent = `${s.name} ${timeLabel(t, 0)} ${format(v)}`;
        }
      }
    });
    return svg;
  }

  function legend(container, series) {
    container.replaceChildren(...series.map((s, i) => {
      const span = document.createElement("span");
      const swatch = document.createElement("i");
      swatch.style.background = s.color || PALETTE[i % PALETTE.length];
      span.append(swatch, s.name);
      return span;
    }));
  }

  return { render, legend, PALETTE };
})();
