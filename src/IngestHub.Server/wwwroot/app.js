// IngestHub dashboard: hash routes #/ (overview), #/group/<name>, #/cluster, #/connectors, #/topologies, #/topology/<name>. Polls the JSON API.
"use strict";
(function () {
  const REFRESH_MS = 3000;
  const app = document.getElementById("app");
  let timer = null;
  let route = "";

  const esc = s => String(s == null ? "" : s).replace(/[&<>"']/g, c => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
  const num = n => n == null ? "–" : Number(n).toLocaleString("en-US");
  const rate = n => n == null ? "–" : n >= 100 ? Math.round(n).toLocaleString("en-US") : Number(n).toFixed(n >= 10 ? 1 : 2);
  function bytes(n) {
    if (n == null) return "–";
    const units = ["B", "KiB", "MiB", "GiB", "TiB"];
    let i = 0;
    while (Math.abs(n) >= 1024 && i < units.length - 1) { n /= 1024; i++; }
    return (i === 0 ? Math.round(n) : n.toFixed(n >= 100 ? 0 : 1)) + " " + units[i];
  }
  function duration(ms) {
    if (ms == null || ms < 0) return "∞";
    const s = ms / 1000;
    if (s < 120) return s + " s";
    if (s < 7200) return Math.round(s / 60) + " min";
    if (s < 172800) return Math.round(s / 3600) + " h";
    return Math.round(s / 86400) + " d";
  }
  const seconds = s => s == null ? "–" : s < 10 ? Number(s).toFixed(1) + " s" : s < 120 ? Math.round(s) + " s" : s < 7200 ? Math.round(s / 60) + " min" : Math.round(s / 3600) + " h";
  const compact = v => v >= 1e6 ? (v / 1e6).toFixed(v >= 1e7 ? 0 : 1) + "M" : v >= 1e3 ? (v / 1e3).toFixed(v >= 1e4 ? 0 : 1) + "k" : String(Math.round(v * 100) / 100);
  const pill = s => `<span class="pill s-${esc(s)}">${esc(s)}</span>`;
  const time = ms => ms == null ? "–" : new Date(ms).toLocaleTimeString("en-GB");

  async function get(url) {
    const r = await fetch(url, { cache: "no-store" });
    if (!r.ok) throw new Error(`${url}: HTTP ${r.status}`);
    return r.json();
  }

  function stamp() {
    document.getElementById("updated").textContent = "Updated " + new Date().toLocaleTimeString("en-GB") + " · refreshes every " + REFRESH_MS / 1000 + " s";
  }

  function card(title, body, extra) {
    return `<section class="card"${extra || ""}><h2>${title}</h2>${body}</section>`;
  }

  function table(headers, rows, attrs) {
    if (rows.length === 0) return `<div class="empty">None yet.</div>`;
    const head = headers.map(h => `<th${h.num ? ' class="num"' : ""}>${h.label || h}</th>`).join("");
    return `<div class="table-wrap"><table ${attrs || ""}><thead><tr>${head}</tr></thead><tbody>${rows.join("")}</tbody></table></div>`;
  }

  // ---------- Overview ----------
  async function overview() {
    const [ov, topics, groups, connectors] = await Promise.all([get("api/overview"), get("api/topics"), get("api/groups"), get("api/connectors")]);
    const b = ov.broker;
    const t = ov.totals, st = t.groups_by_status;
    if (!document.getElementById("ov-stats")) {
      app.innerHTML = `<h1>Overview <span class="sub">broker ${b.ready ? "ready" : "starting"}</span></h1>
        <div id="ov-storage"></div>
        <div id="ov-stats" class="grid stats"></div>
        <div class="grid two">
          ${card("Ingest rate · records/s", `<div id="rate-records" class="chart"></div>`)}
          ${card("Ingest rate · bytes/s", `<div id="rate-bytes" class="chart"></div>`)}
        </div>
        <div id="ov-groups"></div><div id="ov-topics"></div><div id="ov-connectors"></div><div id="ov-inputs"></div>`;
    }
    const storage = b.storage || { status: "ok" };
    document.getElementById("ov-storage").innerHTML = storage.status === "ok" ? "" :
      `<div class="banner" role="alert">Storage error: writes fail since ${esc(new Date(storage.since).toLocaleString())} (${num(storage.failures)} failed writes); produce is answered KAFKA_STORAGE_ERROR, reads go on. ${esc(storage.error)}</div>`;
    document.getElementById("ov-stats").innerHTML = [
      ["Records/s", rate(ov.ingest.records_per_sec), "last minute"],
      ["Bytes/s", bytes(ov.ingest.bytes_per_sec), "last minute"],
      ["Topics", num(t.topics), num(t.partitions) + " partitions"],
      ["Stored", bytes(t.size_bytes), num(t.records) + " records"],
      ["Groups", num(t.groups), `<span class="pill s-OK">${st.OK}</span> <span class="pill s-WARN">${st.WARN}</span> <span class="pill s-ERR">${st.ERR}</span>`],
      ["Total lag", num(t.total_lag), "records behind"],
      ["Connectors", num(t.connectors), ""],
    ].map(([l, v, h]) => `<div class="card stat"><div class="label">${l}</div><div class="value">${v}</div><div class="hint">${h}</div></div>`).join("");
    // The time axis spans the data held (up to the window), so a fresh appliance does not show an empty quarter hour.
    IngestChart.render(document.getElementById("rate-records"), [{ name: "records/s", points: ov.ingest.series.map(p => [p[0], p[1]]) }], { format: compact, to: ov.now, label: "records per second" });
    IngestChart.render(document.getElementById("rate-bytes"), [{ name: "bytes/s", color: "#7a5af8", points: ov.ingest.series.map(p => [p[0], p[2]]) }], { format: v => bytes(v), to: ov.now, label: "bytes per second" });

    document.getElementById("ov-groups").innerHTML = card("Consumer groups", table(
      ["Group", "State", { label: "Members", num: 1 }, { label: "Partitions", num: 1 }, { label: "Total lag", num: 1 }, "Status"],
      groups.map(g => `<tr data-group="${esc(g.group)}"><td><a href="#/group/${encodeURIComponent(g.group)}">${esc(g.group)}</a></td><td>${pill(g.state)}</td>
        <td class="num">${g.members.length}</td><td class="num">${g.partitions.length}</td><td class="num lag">${num(g.total_lag)}</td><td class="status">${pill(g.status)}</td></tr>`),
      'id="groups-table"'));
    document.getElementById("ov-topics").innerHTML = card("Topics", table(
      ["Topic", { label: "Partitions", num: 1 }, { label: "Records", num: 1 }, { label: "Size", num: 1 }, { label: "Records/s", num: 1 }, { label: "Bytes/s", num: 1 }, "Retention"],
      topics.map(tp => `<tr data-topic="${esc(tp.name)}"><td>${esc(tp.name)}</td><td class="num">${tp.partition_count}</td><td class="num">${num(tp.records)}</td>
        <td class="num">${bytes(tp.size_bytes)}</td><td class="num">${rate(tp.records_per_sec)}</td><td class="num">${bytes(tp.bytes_per_sec)}</td>
        <td class="muted">${duration(tp.retention["retention.ms"])}${tp.retention["retention.bytes"] > 0 ? " / " + bytes(tp.retention["retention.bytes"]) : ""}</td></tr>`),
      'id="topics-table"'));
    document.getElementById("ov-connectors").innerHTML = card(`Connectors <span class="sub"><a href="#/connectors">manage</a></span>`, table(
      ["Connector", "State", { label: "Workers", num: 1 }, { label: "In/s", num: 1 }, { label: "Out/s", num: 1 }, { label: "Dead-lettered", num: 1 }],
      connectors.map(c => `<tr data-connector="${esc(c.name)}"><td>${esc(c.name)}</td><td>${pill(c.state)}</td><td class="num">${c.worker_count}</td>
        <td class="num">${rate(c.rates.events_in_per_sec)}</td><td class="num">${rate(c.rates.events_out_per_sec)}</td><td class="num">${num(c.dead_lettered)}</td></tr>`)));
    await inputsCard();
  }

  // Inputs: rates from the difference between two polls of the counters.
  let lastInputs = null;
  async function inputsCard() {
    const inputs = await get("api/inputs"), now = Date.now();
    const prev = lastInputs;
    lastInputs = { at: now, byName: Object.fromEntries(inputs.map(i => [i.name, i])) };
    const perSec = (i, field) => {
      const p = prev && prev.byName[i.name];
      return p && now > prev.at ? (i[field] - p[field]) * 1000 / (now - prev.at) : 0;
    };
    document.getElementById("ov-inputs").innerHTML = card("Inputs", table(
      ["Input", "State", "Target", { label: "Accepted", num: 1 }, { label: "Accepted/s", num: 1 }, { label: "Rejected", num: 1 }, { label: "Rejected/s", num: 1 }],
      inputs.map(i => `<tr data-input="${esc(i.name)}"><td>${esc(i.name)}</td><td>${pill(i.enabled ? "on" : "off")}</td><td class="muted">${esc(i.target)}</td>
        <td class="num">${num(i.accepted)}</td><td class="num">${rate(perSec(i, "accepted"))}</td><td class="num">${num(i.rejected)}</td><td class="num">${rate(perSec(i, "rejected"))}</td></tr>`),
      'id="inputs-table"'));
  }

  // ---------- Autoscaler timeline (connector and group pages) ----------
  const PHASE_COLORS = { creating: "#f79009", relaying: "#f79009", draining: "#7a5af8", switching_back: "#12b76a" };
  const MARKER_COLORS = { scale_up: "#2563eb", scale_down: "#0e9384", spill_start: "#f79009", spill_cutoff: "#7a5af8", spill_done: "#12b76a", stall: "#f04438", error: "#f04438" };

  function phaseBands(samples, now) {
    const bands = [];
    let current = null;
    for (const s of samples) {
      const phase = s[6];
      if (current && current.label === phase) { current.to = s[0]; continue; }
      if (current) { current.to = s[0]; bands.push(current); }
      current = phase === "normal" ? null : { from: s[0], to: s[0], label: phase, color: PHASE_COLORS[phase] || "#98a2b3" };
    }
    if (current) { current.to = now; bands.push(current); }
    return bands;
  }

  function autoscalerHtml(t, id) {
    const spill = t.spill;
    const decisions = (t.decisions || []).slice(-10).reverse();
    return `<div class="autoscaler" data-target="${esc(t.target)}">
      <div class="kv">
        <div><span>Phase</span><b class="phase">${pill(t.phase)}</b></div>
        <div><span>Status</span><b>${pill(t.status)}</b></div>
        <div><span>Desired / running</span><b class="workers">${t.desired_workers} / ${t.actual_workers}</b></div>
        <div><span>Lag</span><b>${num(t.total_lag)}</b></div>
        <div><span>Spill workers</span><b class="spill-workers">${spill ? spill.workers + " / " + spill.desired_workers : "–"}</b></div>
        <div><span>Spill lag</span><b>${spill ? num(spill.lag) : "–"}</b></div>
        <div><span>Policy</span><b>${t.policy ? `${t.policy.min}–${t.policy.max} · ${num(t.policy.lagThreshold)}/worker` : "–"}</b></div>
      </div>
      ${t.recommendation ? `<div class="muted reason">${esc(t.recommendation.reason)}</div>` : ""}
      ${t.hot_partition ? `<div class="muted">Hot partition ${esc(t.hot_partition.topic)}-${t.hot_partition.partition}: ${Math.round(t.hot_partition.share * 100)} % of the lag</div>` : ""}
      <div class="charts">
        <div><div class="sub">Lag · source and spill, phases shaded, decisions marked</div><div id="${id}-lag" class="chart timeline-lag"></div><div id="${id}-lag-legend" class="legend"></div></div>
        <div><div class="sub">Workers</div><div id="${id}-workers" class="chart timeline-workers"></div><div id="${id}-workers-legend" class="legend"></div></div>
      </div>
      <h2 style="margin-top:14px">Decisions</h2>
      ${table(["Time", "Decision", "Workers", "Reason"], decisions.map(d => `<tr data-kind="${esc(d.kind)}"><td>${esc(time(d.at))}</td><td>${esc(d.kind)}</td>
        <td class="num">${d.from == null && d.to == null ? "" : `${d.from == null ? "–" : d.from} → ${d.to == null ? "–" : d.to}`}</td><td class="reason">${esc(d.reason)}</td></tr>`), 'class="decisions-table"')}
    </div>`;
  }

  function drawAutoscaler(t, id) {
    const samples = t.samples || [];
    const now = samples.length ? samples[samples.length - 1][0] : Date.now();
    const markers = (t.decisions || []).filter(d => MARKER_COLORS[d.kind]).map(d => ({ t: d.at, kind: d.kind, color: MARKER_COLORS[d.kind], label: `${d.kind}: ${d.reason}` }));
    const bands = phaseBands(samples, now);
    // A decision taken at the first evaluation precedes the first sample by moments: start the axis there.
    const from = Math.min(samples.length ? samples[0][0] : now, ...markers.map(mk => mk.t));
    const lag = [
      { name: "source lag", points: samples.map(s => [s[0], s[1]]) },
      { name: "spill lag", color: "#7a5af8", points: samples.map(s => [s[0], s[2]]) },
    ];
    const workers = [
      { name: "desired", color: "#101828", points: samples.map(s => [s[0], s[3]]) },
      { name: "running", color: "#2563eb", points: samples.map(s => [s[0], s[4]]) },
      { name: "spill workers", color: "#f79009", points: samples.map(s => [s[0], s[5]]) },
    ];
    const lagChart = document.getElementById(id + "-lag");
    if (!lagChart) return;
    IngestChart.render(lagChart, lag, { format: compact, from, to: now, label: "autoscaler lag", bands, markers, dots: false });
    IngestChart.legend(document.getElementById(id + "-lag-legend"), lag);
    IngestChart.render(document.getElementById(id + "-workers"), workers, { format: v => String(Math.round(v)), from, to: now, label: "workers", bands, markers, dots: false });
    IngestChart.legend(document.getElementById(id + "-workers-legend"), workers);
  }

  // ---------- Group ----------
  let groupWindow = "15m";
  async function group(name) {
    const enc = encodeURIComponent(name);
    const [g, lag, targets] = await Promise.all([get(`api/groups/${enc}`), get(`api/groups/${enc}/lag?window=${groupWindow}`).catch(() => null), get("api/autoscaler").catch(() => [])]);
    if (!document.getElementById("lag-chart")) {
      app.innerHTML = `<h1><span id="g-title"></span><span id="g-status"></span>
          <span class="toolbar"><label class="sub" for="g-window">Window</label>
          <select id="g-window"><option>5m</option><option>15m</option><option>1h</option></select></span></h1>
        <div id="g-stats" class="grid stats"></div>
        ${card(`Lag over time <span class="sub">per partition and total, records</span>`, `<div id="lag-chart" class="chart"></div><div id="lag-legend" class="legend"></div>`)}
        <div id="g-autoscaler"></div><div id="g-partitions"></div><div id="g-members"></div>`;
      const select = document.getElementById("g-window");
      select.value = groupWindow;
      select.addEventListener("change", () => { groupWindow = select.value; refresh(); });
    }
    document.getElementById("g-title").textContent = g.group;
    document.getElementById("g-status").innerHTML = pill(g.status);
    document.getElementById("g-stats").innerHTML = [
      ["State", pill(g.state)], ["Members", g.members.length], ["Partitions", g.partitions.length], ["Total lag", num(g.total_lag)],
      ["Time lag", seconds(Math.max(0, ...g.partitions.map(p => p.lag_seconds || 0)))],
    ].map(([l, v]) => `<div class="card stat"><div class="label">${l}</div><div class="value">${v}</div></div>`).join("");
    const series = [];
    if (lag) {
      for (const p of lag.partitions) series.push({ name: `${p.topic}-${p.partition}`, points: p.points.map(q => [q[0], q[1]]) });
      series.push({ name: "total", color: "#101828", width: 2.5, points: lag.total.map(q => [q[0], q[1]]) });
    }
    const chart = document.getElementById("lag-chart");
    IngestChart.render(chart, series, { format: compact, to: lag ? lag.now : null, label: "lag over time" });
    IngestChart.legend(document.getElementById("lag-legend"), series);
    // The group of an autoscaled connector (or of its spill pool) shows the autoscaler's timeline.
    const target = targets.find(t => t.group === g.group || (t.spill && t.spill.group === g.group));
    const autoscalerBox = document.getElementById("g-autoscaler");
    autoscalerBox.innerHTML = target ? card(`Autoscaler <span class="sub">${esc(target.kind)} ${esc(target.target)}</span>`, autoscalerHtml(target, "g-as"), ' id="autoscaler-card"') : "";
    if (target) drawAutoscaler(target, "g-as");
    document.getElementById("g-partitions").innerHTML = card("Partitions", table(
      ["Topic", { label: "Partition", num: 1 }, "Member", "Host", { label: "Committed", num: 1 }, { label: "End", num: 1 }, { label: "Lag", num: 1 }, { label: "Time lag", num: 1 }, "Status"],
      g.partitions.map(p => `<tr data-topic="${esc(p.topic)}" data-partition="${p.partition}"><td>${esc(p.topic)}</td><td class="num">${p.partition}</td>
        <td class="member" title="${esc(p.member_id)}">${esc(p.client_id || "–")}</td><td class="host">${esc(p.client_host || "–")}</td>
        <td class="num committed">${num(p.committed_offset)}</td><td class="num end">${num(p.log_end_offset)}</td><td class="num lag">${num(p.lag)}</td>
        <td class="num lag-seconds">${p.lag_seconds_lower_bound ? "≥ " : ""}${seconds(p.lag_seconds)}</td>
        <td class="status" title="${esc(p.reason || "")}">${pill(p.status)}${p.window_complete ? "" : ` <span class="muted" title="${p.commits} commits observed so far">·</span>`}</td></tr>`),
      'id="partitions-table"'));
    document.getElementById("g-members").innerHTML = card("Members", table(
      ["Client id", "Host", "Member id", "Assigned"],
      g.members.map(mb => `<tr><td>${esc(mb.client_id)}</td><td>${esc(mb.client_host)}</td><td class="muted">${esc(mb.member_id)}</td>
        <td>${mb.assignments.map(a => esc(a.topic + "-" + a.partition)).join(", ") || "–"}</td></tr>`)));
  }

  // ---------- Connectors ----------
  async function connectors() {
    const [list, targets] = await Promise.all([get("api/connectors"), get("api/autoscaler").catch(() => [])]);
    if (list.length === 0) {
      app.innerHTML = `<h1>Connectors <span class="connectors-toolbar"><a class="button" id="new-connector" href="#/connectors/new">New connector</a></span></h1>` + card("No connectors", `<div class="empty">Create one with <b>New connector</b>, <code>POST /connectors</code> or a file in <code>pipelines/</code>.</div>`);
      return;
    }
    app.innerHTML = `<h1>Connectors <span class="sub">${list.length} defined</span><span class="connectors-toolbar"><a class="button" id="new-connector" href="#/connectors/new">New connector</a></span></h1>` + list.map(c => {
      const paused = c.state === "PAUSED";
      const letters = c.recent_dead_letters || [];
      return `<section class="card" data-connector="${esc(c.name)}">
        <div class="connector-head"><h2>${esc(c.name)}</h2><span class="state">${pill(c.state)}</span>
          <span class="sub">${esc((c.topics || []).join(", "))} → DLQ ${esc(c.dead_letter_topic)}</span>
          <span class="actions">
            <button data-action="pause" ${paused ? "disabled" : ""}>Pause</button>
            <button data-action="resume" ${paused ? "" : "disabled"}>Resume</button>
            <button data-action="restart">Restart</button>
            <a class="button" data-edit href="#/connectors/edit/${encodeURIComponent(c.name)}">Edit</a>
            <button data-action="delete">Delete</button>
          </span></div>
        <div class="kv">
          <div><span>In/s (1 min)</span><b class="rate-in">${rate(c.rates.events_in_per_sec)}</b></div>
          <div><span>Out/s (1 min)</span><b class="rate-out">${rate(c.rates.events_out_per_sec)}</b></div>
          <div><span>Workers</span><b>${c.worker_count}</b></div>
          <div><span>Mode</span><b class="mode">${esc(c.mode || "process")}</b></div>
          <div><span>Events in</span><b>${num(c.counters.events_in)}</b></div>
          <div><span>Events out</span><b>${num(c.counters.events_out)}</b></div>
          <div><span>Filtered</span><b>${num(c.counters.filtered)}</b></div>
          <div><span>Dead-lettered</span><b>${num(c.dead_lettered)}</b></div>
          <div><span>Retries</span><b>${num(c.counters.retries)}</b></div>
        </div>
        ${c.last_error ? `<div class="error-box">${esc(c.last_error)}</div>` : ""}
        <h2>Workers</h2>
        ${table(["Id", "State", "Member", "Partitions"], (c.tasks || []).map(w => `<tr><td>${w.id}</td><td>${pill(w.state)}</td><td class="muted">${esc(w.worker_id)}</td><td>${esc((w.partitions || []).join(", ") || "–")}</td></tr>`))}
        ${(() => { const t = targets.find(x => x.target === c.name); return t ? `<h2 style="margin-top:14px">Autoscaler</h2>${autoscalerHtml(t, "c-as-" + c.name.replace(/[^A-Za-z0-9_-]/g, "_"))}` : ""; })()}
        <h2 style="margin-top:14px">Recent dead letters</h2>
        ${table(["Time", "Source", "Stage", "Error", "Reason"], letters.slice(-20).reverse().map(d => `<tr><td>${esc(new Date(d.at).toLocaleTimeString("en-GB"))}</td>
          <td>${esc(d.topic)}-${d.partition}@${d.offset}</td><td>${esc(d.stage)}</td><td>${esc(d.error_type)}</td><td class="reason">${esc(d.reason)}</td></tr>`))}
      </section>`;
    }).join("");
    for (const t of targets) drawAutoscaler(t, "c-as-" + t.target.replace(/[^A-Za-z0-9_-]/g, "_"));
    for (const button of app.querySelectorAll("button[data-action]")) {
      button.addEventListener("click", async () => {
        const name = button.closest("[data-connector]").dataset.connector;
        const action = button.dataset.action;
        if (action === "delete" && !confirm(`Delete connector ${name}?`)) return;
        button.disabled = true;
        const r = action === "delete"
          ? await fetch(`connectors/${encodeURIComponent(name)}`, { method: "DELETE" })
          : await fetch(`connectors/${encodeURIComponent(name)}/${action}`, { method: action === "restart" ? "POST" : "PUT" });
        if (!r.ok) alert(`${action} ${name}: HTTP ${r.status}`);
        refresh();
      });
    }
  }

  // ---------- Topologies ----------
  const ms = v => v == null ? "–" : Number(v).toFixed(v >= 100 ? 0 : v >= 10 ? 1 : 3);
  const pct = v => v == null ? "–" : (v * 100).toFixed(v >= 0.1 ? 0 : 1) + " %";
  const topoLink = name => `<a href="#/topology/${encodeURIComponent(name)}">${esc(name)}</a>`;

  async function topologies() {
    const list = await get("api/topologies");
    if (list.length === 0) {
      app.innerHTML = `<h1>Topologies</h1>` + card("No topologies", `<div class="empty">Add a file to <code>topologies/</code> or submit one with <code>POST /api/topologies</code>.</div>`);
      return;
    }
    app.innerHTML = `<h1>Topologies <span class="sub">${list.length} defined</span></h1>` + card("Topology summary", table(
      ["Name", "State", "Origin", "Uptime", { label: "Executors", num: true }, { label: "Tasks", num: true }, { label: "Emitted", num: true },
        { label: "Acked", num: true }, { label: "Failed", num: true }, { label: "Acked/s", num: true }, { label: "Complete ms", num: true }],
      list.map(t => `<tr data-topology="${esc(t.name)}"><td>${topoLink(t.name)}</td><td>${pill(t.state)}</td><td>${esc(t.origin)}</td>
        <td>${t.uptime_seconds == null ? "–" : duration(t.uptime_seconds * 1000)}</td><td class="num">${num(t.executors)}</td><td class="num">${num(t.tasks)}</td>
        <td class="num">${num(t.emitted)}</td><td class="num acked">${num(t.acked)}</td><td class="num failed">${num(t.failed)}</td>
        <td class="num">${rate(t.acked_per_sec)}</td><td class="num">${ms(t.complete_latency_ms)}</td></tr>`
        + (t.error ? `<tr><td colspan="11"><div class="error-box">${esc(t.error)}</div></td></tr>` : "")),
      'id="topologies-table"'));
  }

  async function topology(name) {
    const t = await get(`api/topologies/${encodeURIComponent(name)}`);
    const paused = t.state === "INACTIVE";
    const spouts = t.spouts || [], bolts = t.bolts || [];
    const lagRows = spouts.flatMap(s => (s.partitions || []).map(p => `<tr data-spout="${esc(s.id)}" data-partition="${esc(p.topic)}-${p.partition}">
      <td>${esc(s.id)}</td><td>${esc(p.topic)}</td><td class="num">${p.partition}</td><td class="num committed">${num(p.committed)}</td>
      <td class="num end">${num(p.end_offset)}</td><td class="num lag">${num(p.lag)}</td><td class="num">${num(p.pending)}</td><td class="num">${num(p.retrying)}</td>
      <td class="num">${num(p.dead_lettered)}</td></tr>`));
    const cfg = t.config || {};
    app.innerHTML = `<h1><a href="#/topologies">Topologies</a> / ${esc(t.name)} <span class="state">${pill(t.state)}</span></h1>
      <section class="card" data-topology="${esc(t.name)}">
        <div class="connector-head"><h2>Summary</h2>
          <span class="actions">
            <button data-action="pause" ${paused || !t.spouts ? "disabled" : ""}>Pause</button>
            <button data-action="resume" ${paused ? "" : "disabled"}>Resume</button>
          </span></div>
        <div class="kv">
          <div><span>Uptime</span><b>${t.uptime_seconds == null ? "–" : duration(t.uptime_seconds * 1000)}</b></div>
          <div><span>Executors</span><b>${num(t.executors)}</b></div>
          <div><span>Tasks</span><b>${num(t.tasks)}</b></div>
          <div><span>Acked/s</span><b>${rate(t.acked_per_sec)}</b></div>
          <div><span>Dead-lettered</span><b>${num(t.dead_lettered)}</b></div>
          <div><span>Message timeout</span><b>${cfg["topology.message.timeout.secs"] == null ? "–" : cfg["topology.message.timeout.secs"] + " s"}</b></div>
          <div><span>Max spout pending</span><b>${num(cfg["topology.max.spout.pending"])}</b></div>
          <div><span>Ackers</span><b>${num(cfg["topology.acker.executors"])}</b></div>
        </div>
        ${t.error ? `<div class="error-box">${esc(t.error)}</div>` : ""}
      </section>
      ${card("Spouts", table(["Id", { label: "Executors", num: true }, { label: "Tasks", num: true }, { label: "Emitted", num: true }, { label: "Transferred", num: true },
        { label: "Complete latency ms", num: true }, { label: "Acked", num: true }, { label: "Failed", num: true }, { label: "Pending", num: true }, "Last error"],
        spouts.map(c => `<tr data-component="${esc(c.id)}"><td>${esc(c.id)}</td><td class="num executors">${c.executors}</td><td class="num tasks">${c.tasks}</td>
          <td class="num emitted">${num(c.emitted)}</td><td class="num">${num(c.transferred)}</td><td class="num">${ms(c.complete_latency_ms)}</td>
          <td class="num acked">${num(c.acked)}</td><td class="num failed">${num(c.failed)}</td><td class="num pending">${num(c.pending)}</td>
          <td class="reason">${esc(c.last_error || "")}</td></tr>`), 'id="spouts-table"'))}
      ${card("Bolts", table(["Id", { label: "Executors", num: true }, { label: "Tasks", num: true }, { label: "Executed", num: true }, { label: "Emitted", num: true },
        { label: "Capacity", num: true }, { label: "Execute latency ms", num: true }, { label: "Process latency ms", num: true }, { label: "Acked", num: true },
        { label: "Failed", num: true }, { label: "Queued", num: true }, "Last error"],
        bolts.map(c => `<tr data-component="${esc(c.id)}"><td>${esc(c.id)}</td><td class="num executors">${c.executors}</td><td class="num tasks">${c.tasks}</td>
          <td class="num executed">${num(c.executed)}</td><td class="num emitted">${num(c.emitted)}</td><td class="num capacity">${pct(c.capacity)}</td>
          <td class="num">${ms(c.execute_latency_ms)}</td><td class="num">${ms(c.process_latency_ms)}</td><td class="num acked">${num(c.acked)}</td>
          <td class="num failed">${num(c.failed)}</td><td class="num">${num(c.queued)}</td><td class="reason">${esc(c.last_error || "")}</td></tr>`), 'id="bolts-table"'))}
      ${card("Spout lag per partition", table(["Spout", "Topic", { label: "Partition", num: true }, { label: "Committed", num: true }, { label: "End offset", num: true },
        { label: "Lag", num: true }, { label: "Pending", num: true }, { label: "Retrying", num: true }, { label: "Dead-lettered", num: true }], lagRows, 'id="lag-table"'))}`;
    for (const button of app.querySelectorAll("button[data-action]")) {
      button.addEventListener("click", async () => {
        button.disabled = true;
        const r = await fetch(`api/topologies/${encodeURIComponent(name)}/${button.dataset.action}`, { method: "PUT" });
        if (!r.ok) alert(`${button.dataset.action} ${name}: HTTP ${r.status}`);
        refresh();
      });
    }
  }

  // ---------- Cluster ----------
  async function cluster() {
    const c = await get("api/cluster");
    const under = c.partitions.filter(p => p.under_replicated);
    const ids = list => list.map(esc).join(", ");
    app.innerHTML = `<h1>Cluster <span class="sub">${c.mode === "cluster" ? "replicated brokers" : "single process"} · this broker ${esc(c.node_id)}</span></h1>
      ${under.length ? `<div class="banner" role="alert" id="under-replicated-banner">${num(under.length)} under-replicated partition${under.length === 1 ? "" : "s"}: ${under.map(p => esc(p.topic + "-" + p.partition)).join(", ")}</div>` : ""}
      <div class="grid stats" id="cluster-stats">${[
        ["Brokers", num(c.brokers.length), "registered"],
        ["Controller", c.controller_id < 0 ? "none" : esc(c.controller_id), c.controller_id === c.node_id ? "this broker" : ""],
        ["Partitions", num(c.partition_count), ""],
        ["Under-replicated", `<span class="under-count">${num(c.under_replicated_partitions)}</span>`, "ISR smaller than replicas"],
      ].map(([l, v, h]) => `<div class="card stat"><div class="label">${l}</div><div class="value">${v}</div><div class="hint">${h}</div></div>`).join("")}</div>
      ${card("Brokers", table(["Id", "Host", { label: "Port", num: 1 }, "Role"],
        c.brokers.map(b => `<tr data-broker="${esc(b.id)}"><td class="id">${esc(b.id)}</td><td class="host">${esc(b.host)}</td><td class="num port">${esc(b.port)}</td>
          <td class="role">${b.controller ? pill("controller") : ""}${b.id === c.node_id ? ' <span class="muted">this broker</span>' : ""}</td></tr>`), 'id="brokers-table"'))}
      ${card("Partitions", table(["Topic", { label: "Partition", num: 1 }, { label: "Leader", num: 1 }, { label: "Epoch", num: 1 }, "Replicas", "In sync", "Status"],
        c.partitions.map(p => `<tr data-topic="${esc(p.topic)}" data-partition="${esc(p.partition)}"${p.under_replicated ? ' class="under-replicated"' : ""}>
          <td>${esc(p.topic)}</td><td class="num">${esc(p.partition)}</td><td class="num leader">${p.leader < 0 ? "none" : esc(p.leader)}</td><td class="num">${esc(p.leader_epoch)}</td>
          <td class="replicas">${ids(p.replicas)}</td><td class="isr">${ids(p.isr)}</td><td class="status">${p.under_replicated ? pill("UNDER_REPLICATED") : pill("OK")}</td></tr>`),
        'id="cluster-partitions-table"'))}`;
  }

  // ---------- Routing ----------
  async function refresh() {
    const current = route;
    if (current.startsWith("#/connectors/")) return; // the editor renders itself
    try {
      if (current.startsWith("#/group/")) await group(decodeURIComponent(current.slice(8)));
      else if (current === "#/cluster") await cluster();
      else if (current === "#/connectors") await connectors();
      else if (current === "#/topologies") await topologies();
      else if (current.startsWith("#/topology/")) await topology(decodeURIComponent(current.slice(11)));
      else await overview();
      stamp();
    } catch (e) {
      if (current === route) {
        document.getElementById("updated").textContent = "Refresh failed: " + e.message;
        if (!app.firstChild) app.innerHTML = `<div class="banner">${esc(e.message)}</div>`;
      }
    }
  }

  function navigate() {
    route = location.hash || "#/";
    app.replaceChildren();
    const section = route === "#/cluster" ? "cluster" : route === "#/connectors" || route.startsWith("#/connectors/") ? "connectors" : route === "#/topologies" || route.startsWith("#/topology/") ? "topologies" : "overview";
    for (const a of document.querySelectorAll("nav a[data-nav]")) a.classList.toggle("active", a.dataset.nav === section);
    clearInterval(timer);
    if (route.startsWith("#/connectors/")) {
      // The editor does not auto-refresh: it would overwrite what is being typed.
      IngestConnectorForm.open(app, route).catch(e => { app.innerHTML = `<div class="banner">${esc(e.message)}</div>`; });
      return;
    }
    refresh();
    timer = setInterval(() => { if (!document.hidden) refresh(); }, REFRESH_MS);
  }

  get("api/overview").then(ov => {
    document.getElementById("broker").textContent = `kafka ${ov.broker.host}:${ov.broker.port} · cluster ${ov.broker.cluster_id}`;
  }).catch(() => { });
  window.addEventListener("hashchange", navigate);
  window.addEventListener("resize", () => refresh());
  navigate();
})();
