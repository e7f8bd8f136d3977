// spinal live console: the agent's documents (docs/console.md) -> panels.
// Live: one EventSource on /console/api/stream (hello, frame <= 30 Hz,
// hist 2 Hz).  Replay: the same panels fed from /console/api/replay.
// Controls go to the agent's control API; the agent and the core decide.
"use strict";

(() => {
  const $ = (id) => document.getElementById(id);
  const STAGES = ["wake", "sfs", "sps", "aas", "vi"];
  const STAGE_TITLE = { wake: "wake lateness", sfs: "SFS", sps: "SPS", aas: "AAS", vi: "VI" };
  const st = {
    mode: "live", frame: null, hist: null, map: null, mapId: null, nodePos: new Map(),
    trail: [], overruns: [], aasHist: [], last: null, role: "observer", session: null,
    es: null, connected: false, pendingGoal: null, replay: null, replayIdx: 0, playing: null,
  };
  window.spinal = st; // for the browser test and for curious operators

  // --- helpers ---
  const token = () => sessionStorage.getItem("spinal-token") || "";
  function headers(extra) {
    const h = Object.assign({}, extra || {});
    if (token()) h.Authorization = "Bearer " + token();
    return h;
  }
  function banner(el, cls, text) {
    el.className = "banner " + cls;
    el.textContent = text;
  }
  function kv(table, rows) {
    table.textContent = "";
    for (const [k, v, cls] of rows) {
      const tr = table.insertRow();
      if (cls) tr.className = cls;
      tr.insertCell().textContent = k;
      const td = tr.insertCell();
      td.textContent = v == null ? "—" : String(v);
      if (typeof v === "number") td.className = "num";
    }
  }
  const f3 = (v) => (v == null ? "—" : Number(v).toFixed(3));
  const big = (n) => (n == null ? "—" : Number(n).toLocaleString("en-US"));

  async function api(method, url, body, type) {
    const opt = { method, headers: headers(type ? { "Content-Type": type } : {}) };
    if (body != null) opt.body = body;
    let r, j = null;
    try {
      r = await fetch(url, opt);
      const t = await r.text();
      try { j = JSON.parse(t); } catch (e) { j = { error: t.slice(0, 200) }; }
    } catch (e) {
      return { status: 0, j: { error: "the agent is unreachable: " + e.message } };
    }
    return { status: r.status, j };
  }

  function verdict(what, res) {
    const el = $("verdict");
    const ok = res.status >= 200 && res.status < 300;
    let text = what + ": ";
    if (ok) {
      text += (res.j.result || "accepted") + " by the core" + (res.j.seq ? " (seq " + res.j.seq + ")" : "");
      if (res.j.node != null) text += ", goal node " + res.j.node;
      if (res.status === 202) text += " — sent, not handled yet";
    } else if (res.status === 401 || res.status === 403) {
      text += "refused (" + res.status + "): " + (res.j.error || "not allowed") + " — this view is read-only";
    } else {
      text += "refused (" + (res.status || "no answer") + "): " + (res.j.error || "?");
    }
    banner(el, ok ? "ok" : "bad", text);
    el.dataset.status = String(res.status);
    return ok;
  }

  // --- who am I ---
  async function session() {
    const r = await api("GET", "/console/api/session");
    st.session = r.j;
    st.role = r.status === 200 && r.j.role ? r.j.role : "observer";
    const ro = st.role !== "operator";
    document.body.classList.toggle("readonly", ro);
    const estopOk = st.role === "operator" || !!(r.j && r.j.estop_engage);
    $("estop-btn").disabled = !estopOk;
    $("estop-clear-btn").disabled = ro;
    for (const el of document.querySelectorAll(".operator-only input:not(#token)")) el.disabled = ro;
    if (ro) {
      banner($("role"), "warn", "Read-only view: you are an observer. " +
        (estopOk ? "E-stop engage is allowed for observers on this agent. " : "") +
        "To control the robot, open the console as an operator (the agent's operator token over TCP, " +
        "or the UNIX socket as a member of the operator group)." + (r.j && r.j.note ? " " + r.j.note : ""));
    } else {
      banner($("role"), "info", "Operator: goal (click the map), e-stop, maps and models. " +
        (r.j && r.j.note ? r.j.note : ""));
    }
    document.body.dataset.role = st.role;
  }

  // --- map ---
  async function loadMap() {
    const r = await api("GET", "/console/api/map");
    if (r.status !== 200) {
      st.map = null; st.mapId = null; st.nodePos = new Map();
      return;
    }
    st.map = r.j;
    st.mapId = r.j.id;
    st.nodePos = new Map(r.j.nodes.map((n) => [n.id, [n.x, n.y]]));
    st.bounds = null;
    $("map-id").textContent = (r.j.source || "") + " · " + r.j.nodes.length + " nodes · id " + r.j.id;
  }

  // --- panels ---
  function renderHists(h) {
    const box = $("hists");
    if (!box.childElementCount) {
      for (const s of STAGES) {
        const d = document.createElement("div");
        d.className = "hist";
        d.innerHTML = '<div class="t"><span><b></b></span><span class="q"></span></div><canvas></canvas>';
        d.querySelector("b").textContent = STAGE_TITLE[s];
        d.id = "hist-" + s;
        box.appendChild(d);
      }
    }
    if (!h) return;
    for (const s of h.stages) {
      const d = $("hist-" + s.stage);
      if (!d) continue;
      const over = s.budget_ns && s.p99_ns > s.budget_ns;
      const q = d.querySelector(".q");
      q.textContent = "p50 " + Draw.fmtNs(s.p50_ns) + " · p99 " + Draw.fmtNs(s.p99_ns) +
        " · max " + Draw.fmtNs(s.max_ns) + (s.budget_ns ? " · budget " + Draw.fmtNs(s.budget_ns) : "") +
        " · n " + big(s.count);
      q.className = "q" + (over ? " over" : "");
      d.dataset.p99 = String(s.p99_ns);
      Draw.hist(d.querySelector("canvas"), s);
    }
  }

  function safetyText(f) {
    const s = f.safety || {};
    const reasons = (s.safe_stop_reasons || "").split(",").filter(Boolean);
    if (!f.attached) return ["warn", "No core attached: the agent is waiting for spinal-core '" + f.instance +
      "'. The robot's driver keeps it stopped."];
    const parts = [];
    if (s.estop) parts.push("E-STOP ENGAGED: the core holds the command at zero. Clear it with “Clear e-stop” " +
      "(operator) or `spinal-agent ctl estop-clear`.");
    if (reasons.includes("overrun")) parts.push("SAFE STOP (overruns): consecutive missed deadlines latched the " +
      "command to zero; find the cause (spinal-audit) and restart spinal-core to clear it.");
    if (reasons.includes("rttime")) parts.push("SAFE STOP (RLIMIT_RTTIME): the RT thread ran too long without " +
      "sleeping; restart spinal-core to clear it.");
    if (reasons.includes("shutdown")) parts.push("SAFE STOP: the core is shutting down.");
    if (s.core_dead || s.stalled) parts.push("SAFE STOP requested by the agent: the core " +
      (s.stalled ? "stalled (heartbeat stale)" : "died") + "; drivers stop the robot until a core runs again.");
    if (parts.length) return ["bad", parts.join(" ")];
    if (f.goal && f.goal.reached) return ["ok", "Goal reached: the robot is stopped at the goal; click the map for a new one."];
    return ["ok", "No stop active: the " + (f.model && f.model.neurons ? "SNN policy" : "core") + " is driving."];
  }

  function render() {
    const f = st.frame;
    if (!f) return;
    $("instance").textContent = f.instance + (st.mode === "replay" ? " (replay)" : "");
    const state = $("state");
    state.textContent = st.mode === "replay" ? "replay" : f.state;
    state.className = "badge " + (f.state === "running" ? "ok" : f.attached ? "warn" : "bad");
    const [cls, text] = safetyText(f);
    banner($("safety"), cls, text);
    document.body.dataset.estop = f.safety && f.safety.estop ? "1" : "0";
    $("pose").textContent = f.pose.x == null ? "—" :
      "x " + f3(f.pose.x) + " m, y " + f3(f.pose.y) + " m, θ " + f3(f.pose.theta) + " rad";
    $("cmd").textContent = f.cmd.v == null ? "—" : "v " + f3(f.cmd.v) + " m/s, ω " + f3(f.cmd.omega) + " rad/s";
    $("goal").textContent = f.goal.x == null ? "none" :
      (f.goal.node != null ? "node " + f.goal.node + " " : "") + "(" + f3(f.goal.x) + ", " + f3(f.goal.y) + ")" +
      (f.goal.reached ? " reached" : "");
    $("path").textContent = f.path && f.path.length ? f.path.length + " nodes" : "—";
    Draw.map($("map"), st);
    // overruns: per-frame increments of the cumulative counter, kept for 60 s
    const now = f.t_ms / 1000;
    kv($("aas"), Object.keys(f.aas).map((k) => {
      const old = st.aasHist.find((a) => now - a.t <= 10);
      const d = old ? f.aas[k] - (old.aas[k] || 0) : 0;
      return [k.replace(/_/g, " "), big(f.aas[k]) + (d > 0 ? "  (+" + big(d) + ")" : ""), d > 0 ? "hot" : ""];
    }));
    Draw.strip($("overruns"), st.overruns, now);
    $("overrun-total").textContent = big(f.loop.overruns) + " total · " + big(f.loop.missed_periods) +
      " periods missed";
    $("overrun-note").textContent = "longest run of consecutive misses " + f.loop.consec_miss_max +
      (f.loop.first_overrun_tick != null ? " · first overrun at tick " + big(f.loop.first_overrun_tick) : " · no overrun yet");
    const c = f.core || {};
    kv($("identity"), [
      ["model", f.model.neurons ? f.model.id + " (" + f.model.layers + " layers, " + f.model.neurons + " neurons)" : "none: zero command"],
      ["model file", f.model.path || "—"],
      ["map", (f.map.source || "—") + (f.map.id ? " · id " + f.map.id : "")],
      ["map generation", f.map.generation + " (" + f.map.nodes + " nodes, " + f.map.edges + " edges)"],
      ["parameters id", f.model.params_id],
      ["core", c.pid ? "pid " + c.pid + ", ABI " + c.abi + ", period " + Draw.fmtNs(c.period_ns) : "—"],
      ["core started", c.start_ms ? new Date(c.start_ms).toISOString() : "—"],
      ["ticks", big(f.loop.ticks)],
      ["config link", f.config.link ? "up: " + f.config.accepted + " accepted, " + f.config.rejected + " rejected" : "down: " + f.config.why],
    ]);
    const t = f.telemetry;
    kv($("telemetry"), [
      ["produced", big(t.produced)],
      ["dropped by the core", big(t.dropped), t.dropped ? "hot" : ""],
      ["written to the log", big(t.written)],
      ["missing (gaps)", big(t.missing), t.missing ? "hot" : ""],
      ["heartbeat age", c.heartbeat_age_ns != null ? Draw.fmtNs(c.heartbeat_age_ns) : "—"],
    ]);
    $("estop-clear-btn").classList.toggle("danger", !!(f.safety && f.safety.estop));
  }

  // A new frame: trail, overrun and AAS history, map reload on a new map id.
  function onFrame(f) {
    const prev = st.frame;
    st.frame = f;
    const now = f.t_ms / 1000;
    if (f.pose.x != null) {
      const p = [f.pose.x, f.pose.y], l = st.trail[st.trail.length - 1];
      if (!l || Math.hypot(p[0] - l[0], p[1] - l[1]) > 0.02) st.trail.push(p);
      if (st.trail.length > 1500) st.trail.shift();
    }
    if (prev && prev.core && f.core && prev.core.pid === f.core.pid) {
      const d = f.loop.overruns - prev.loop.overruns, dt = Math.max(1e-3, now - prev.t_ms / 1000);
      if (d > 0) st.overruns.push({ t: now, n: Math.round(d / Math.max(dt, 1)) || d });
    } else if (prev) {
      st.overruns = []; st.aasHist = []; st.trail = [];
    }
    st.overruns = st.overruns.filter((p) => now - p.t <= 60);
    st.aasHist.push({ t: now, aas: f.aas });
    st.aasHist = st.aasHist.filter((a) => now - a.t <= 11);
    if ((f.map && f.map.id) !== st.mapId && st.mode === "live") loadMap().then(render);
    if (st.pendingGoal && f.goal && f.goal.x != null &&
        Math.hypot(f.goal.x - st.pendingGoal[0], f.goal.y - st.pendingGoal[1]) < 2) st.pendingGoal = null;
  }

  // --- live ---
  function connect() {
    if (st.es) st.es.close();
    const es = new EventSource("/console/api/stream");
    st.es = es;
    es.addEventListener("hello", () => {
      st.connected = true;
      $("conn").textContent = "live";
      $("conn").className = "badge ok";
    });
    es.addEventListener("frame", (e) => {
      if (st.mode !== "live") return;
      onFrame(JSON.parse(e.data));
      render();
    });
    es.addEventListener("hist", (e) => {
      if (st.mode !== "live") return;
      st.hist = JSON.parse(e.data);
      renderHists(st.hist);
    });
    es.onerror = () => {
      st.connected = false;
      $("conn").textContent = es.readyState === EventSource.CLOSED ? "refused" : "reconnecting";
      $("conn").className = "badge bad";
      if (es.readyState === EventSource.CLOSED) setTimeout(connect, 3000);
    };
  }

  // --- controls ---
  $("map").addEventListener("click", async (ev) => {
    if (st.mode !== "live" || !st.T) return;
    const r = $("map").getBoundingClientRect();
    const [x, y] = st.T.toWorld(ev.clientX - r.left, ev.clientY - r.top);
    if (st.role !== "operator") {
      verdict("goal", { status: 403, j: { error: "observers cannot set goals" } });
      return;
    }
    st.pendingGoal = [x, y];
    const res = await api("POST", "/goal", JSON.stringify({ x, y }), "application/json");
    if (!verdict("goal (" + x.toFixed(2) + ", " + y.toFixed(2) + ")", res)) st.pendingGoal = null;
  });
  $("estop-btn").addEventListener("click", async () => {
    const res = await api("POST", "/estop", JSON.stringify({ reason: "console" }), "application/json");
    verdict("e-stop", res);
  });
  $("estop-clear-btn").addEventListener("click", () => {
    if (st.role !== "operator") {
      verdict("e-stop clear", { status: 403, j: { error: "observers cannot clear the e-stop" } });
      return;
    }
    $("confirm").showModal();
  });
  $("confirm").addEventListener("close", async () => {
    if ($("confirm").returnValue !== "yes") return;
    const res = await api("POST", "/estop/clear", JSON.stringify({ reason: "console" }), "application/json");
    verdict("e-stop clear", res);
  });
  $("upload-map").addEventListener("change", async (ev) => {
    const file = ev.target.files[0];
    if (!file) return;
    const res = await api("POST", "/graph", await file.text(), "application/json");
    verdict("map " + file.name, res);
    ev.target.value = "";
    if (res.status === 200) loadMap().then(render);
  });
  $("upload-model").addEventListener("change", async (ev) => {
    const file = ev.target.files[0];
    if (!file) return;
    const res = await api("POST", "/console/api/model", await file.arrayBuffer(), "application/octet-stream");
    verdict("model " + file.name, res);
    ev.target.value = "";
  });
  $("token").value = token();
  $("token").addEventListener("change", (ev) => {
    sessionStorage.setItem("spinal-token", ev.target.value.trim());
    session();
  });

  // --- replay ---
  function setMode(m) {
    st.mode = m;
    $("mode-live").classList.toggle("on", m === "live");
    $("mode-replay").classList.toggle("on", m === "replay");
    $("replay-bar").classList.toggle("hidden", m !== "replay");
    document.body.dataset.mode = m;
    st.trail = []; st.overruns = []; st.aasHist = [];
    if (m === "replay") listRuns();
    else { stopPlay(); loadMap().then(render); }
  }
  $("mode-live").addEventListener("click", () => setMode("live"));
  $("mode-replay").addEventListener("click", () => setMode("replay"));

  async function listRuns() {
    const r = await api("GET", "/console/api/logs");
    const sel = $("replay-run");
    sel.textContent = "";
    if (r.status !== 200) {
      banner($("verdict"), "warn", "replay: " + (r.j.error || "no logs"));
      return;
    }
    for (const run of r.j.runs) {
      const o = document.createElement("option");
      o.value = run.run;
      o.textContent = new Date(run.start_ms).toISOString().replace("T", " ").slice(0, 19) +
        " · pid " + run.core_pid + " · " + big(run.entries) + " ticks";
      sel.appendChild(o);
    }
  }

  async function loadRun() {
    const run = $("replay-run").value;
    if (!run) return;
    const r = await api("GET", "/console/api/replay?run=" + encodeURIComponent(run) + "&frames=3000");
    if (r.status !== 200) {
      banner($("verdict"), "bad", "replay: " + (r.j.error || r.status));
      return;
    }
    st.replay = r.j;
    const sl = $("replay-slider");
    sl.max = String(Math.max(0, r.j.frames.length - 1));
    sl.value = "0";
    sl.disabled = false;
    $("replay-play").disabled = false;
    showReplay(0);
    banner($("verdict"), "info", "replay of " + run + ": " + big(r.j.records) + " records, " +
      big(r.j.missing) + " missing, " + big(r.j.overruns) + " overruns; the map shown is this agent's current one");
  }
  $("replay-load").addEventListener("click", loadRun);

  let histTimer = null;
  function showReplay(i) {
    const R = st.replay;
    if (!R || !R.frames.length) return;
    i = Math.max(0, Math.min(R.frames.length - 1, i));
    st.replayIdx = i;
    const f = R.frames[i];
    // rebuild trail, overrun and AAS history up to frame i
    st.trail = []; st.overruns = []; st.aasHist = []; st.frame = null;
    for (let k = Math.max(0, i - 1500); k <= i; k++) onFrame(R.frames[k]);
    render();
    $("replay-time").textContent = "tick " + big(f.rec ? f.rec.seq : f.loop.ticks) + " · " +
      new Date(f.t_ms).toISOString().replace("T", " ").slice(0, 23);
    clearTimeout(histTimer);
    histTimer = setTimeout(async () => {
      const seq = f.rec ? f.rec.seq : 0;
      const win = Math.round(10e9 / (f.core.period_ns || 1e6));
      const r = await api("GET", "/console/api/replay/hist?run=" + encodeURIComponent(R.run) +
        "&to=" + Math.max(0, seq - win) + "-" + seq);
      if (r.status === 200 && st.mode === "replay") renderHists(r.j);
    }, 200);
  }
  $("replay-slider").addEventListener("input", (ev) => showReplay(Number(ev.target.value)));

  function stopPlay() {
    if (st.playing) clearInterval(st.playing);
    st.playing = null;
    $("replay-play").textContent = "Play";
  }
  $("replay-play").addEventListener("click", () => {
    if (st.playing) return stopPlay();
    const R = st.replay;
    if (!R) return;
    let t0 = performance.now(), f0 = R.frames[st.replayIdx].t_ms;
    $("replay-play").textContent = "Pause";
    st.playing = setInterval(() => {
      const speed = Number($("replay-speed").value);
      const want = f0 + (performance.now() - t0) * speed;
      let i = st.replayIdx;
      while (i + 1 < R.frames.length && R.frames[i + 1].t_ms <= want) i++;
      if (i !== st.replayIdx) {
        $("replay-slider").value = String(i);
        showReplay(i);
      }
      if (i >= R.frames.length - 1) stopPlay();
    }, 50);
  });

  // --- start ---
  window.addEventListener("resize", () => { st.bounds = null; render(); renderHists(st.hist); });
  renderHists(null);
  document.body.classList.remove("loading");
  session();
  loadMap();
  connect();
  fetch("/console/api/hist").then((r) => (r.ok ? r.json() : null)).then((h) => {
    if (h && !st.hist) { st.hist = h; renderHists(h); }
  }).catch(() => {});
})();
