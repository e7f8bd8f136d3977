// spinal live console: drawing (map, histograms, overrun strip).  No state
// of its own beyond what the caller passes; see console.js.
"use strict";

const Draw = (() => {
  const css = (name) => getComputedStyle(document.documentElement).getPropertyValue(name).trim();
  const KIND = { corridor: "--corridor", room: "--room", door: "--door", dock: "--dock", one_way: "--oneway" };

  // Fit the canvas backing store to its CSS size (sharp on tablets too).
  function fit(cv, aspect) {
    const dpr = window.devicePixelRatio || 1;
    const w = Math.max(200, Math.round(cv.clientWidth || cv.width));
    const h = Math.round(w * aspect);
    if (cv.width !== Math.round(w * dpr) || cv.height !== Math.round(h * dpr)) {
      cv.width = Math.round(w * dpr);
      cv.height = Math.round(h * dpr);
      cv.style.height = h + "px";
    }
    const g = cv.getContext("2d");
    g.setTransform(dpr, 0, 0, dpr, 0, 0);
    return { g, w, h };
  }

  // World <-> screen transform for a map's bounds, y up.
  function transform(bounds, w, h) {
    const pad = 24;
    const b = bounds || { x0: -5, y0: -5, x1: 5, y1: 5 };
    const bw = Math.max(1, b.x1 - b.x0), bh = Math.max(1, b.y1 - b.y0);
    const s = Math.min((w - 2 * pad) / bw, (h - 2 * pad) / bh);
    const ox = (w - s * bw) / 2 - s * b.x0, oy = (h + s * bh) / 2 + s * b.y0;
    return {
      s,
      toScreen: (x, y) => [ox + s * x, oy - s * y],
      toWorld: (px, py) => [(px - ox) / s, (oy - py) / s],
    };
  }

  function mapBounds(map, extra) {
    let b = map && map.bounds ? { ...map.bounds } : null;
    for (const p of extra) {
      if (p == null || !isFinite(p[0]) || !isFinite(p[1])) continue;
      if (!b) b = { x0: p[0], y0: p[1], x1: p[0], y1: p[1] };
      b.x0 = Math.min(b.x0, p[0]); b.y0 = Math.min(b.y0, p[1]);
      b.x1 = Math.max(b.x1, p[0]); b.y1 = Math.max(b.y1, p[1]);
    }
    return b;
  }

  // The map: edges by kind, nodes, the path to the goal, trail, robot with its
  // command (the arc a unicycle drives in 1.5 s at the commanded v, omega), goal.
  function map(cv, st) {
    const { g, w, h } = fit(cv, 0.58);
    const f = st.frame, m = st.map;
    const pose = f && f.pose && f.pose.x != null ? [f.pose.x, f.pose.y] : null;
    const goal = f && f.goal && f.goal.x != null ? [f.goal.x, f.goal.y] : null;
    if (!st.bounds || st.boundsFor !== (m ? m.id : null)) {
      st.bounds = mapBounds(m, [pose, goal]);
      st.boundsFor = m ? m.id : null;
    }
    const T = transform(st.bounds, w, h);
    st.T = T;
    g.clearRect(0, 0, w, h);
    if (m) {
      const pos = st.nodePos;
      for (const kind of ["corridor", "room", "dock", "door", "one_way"]) {
        g.strokeStyle = css(KIND[kind]);
        g.lineWidth = kind === "one_way" ? 1.5 : 1.2;
        g.setLineDash(kind === "one_way" ? [4, 3] : []);
        g.beginPath();
        for (const e of m.edges) {
          if (e.kind !== kind) continue;
          const a = pos.get(e.from), b = pos.get(e.to);
          if (!a || !b) continue;
          const [x1, y1] = T.toScreen(a[0], a[1]), [x2, y2] = T.toScreen(b[0], b[1]);
          g.moveTo(x1, y1); g.lineTo(x2, y2);
        }
        g.stroke();
      }
      g.setLineDash([]);
      for (const n of m.nodes) {
        const [x, y] = T.toScreen(n.x, n.y);
        const door = n.flags.includes("door"), dock = n.flags.includes("dock");
        g.fillStyle = door ? css("--door") : dock ? css("--dock") : "#6f8594";
        const r = door || dock ? 3 : 1.6;
        g.fillRect(x - r, y - r, 2 * r, 2 * r);
      }
      if (f && f.path && f.path.length > 1) {
        g.strokeStyle = css("--path");
        g.lineWidth = 4;
        g.globalAlpha = 0.85;
        g.beginPath();
        f.path.forEach((id, i) => {
          const p = pos.get(id);
          if (!p) return;
          const [x, y] = T.toScreen(p[0], p[1]);
          if (i === 0) g.moveTo(x, y); else g.lineTo(x, y);
        });
        g.stroke();
        g.globalAlpha = 1;
      }
    } else {
      g.fillStyle = css("--dim");
      g.font = "14px sans-serif";
      g.fillText("no map: the agent has not sent one (spinal-agent --graph FILE, or load one below)", 16, 24);
    }
    // trail
    if (st.trail.length > 1) {
      g.strokeStyle = css("--info");
      g.globalAlpha = 0.55;
      g.lineWidth = 2;
      g.beginPath();
      st.trail.forEach((p, i) => {
        const [x, y] = T.toScreen(p[0], p[1]);
        if (i === 0) g.moveTo(x, y); else g.lineTo(x, y);
      });
      g.stroke();
      g.globalAlpha = 1;
    }
    if (goal) {
      const [x, y] = T.toScreen(goal[0], goal[1]);
      g.strokeStyle = css("--ok");
      g.lineWidth = 2.5;
      g.beginPath(); g.arc(x, y, 9, 0, 2 * Math.PI); g.stroke();
      g.beginPath(); g.arc(x, y, 3, 0, 2 * Math.PI); g.fillStyle = css("--ok"); g.fill();
    }
    if (st.pendingGoal) {
      const [x, y] = T.toScreen(st.pendingGoal[0], st.pendingGoal[1]);
      g.strokeStyle = css("--ok");
      g.setLineDash([3, 3]);
      g.beginPath(); g.arc(x, y, 12, 0, 2 * Math.PI); g.stroke();
      g.setLineDash([]);
    }
    if (pose) {
      const th = f.pose.theta || 0, v = f.cmd.v || 0, om = f.cmd.omega || 0;
      // command: the arc driven in 1.5 s
      g.strokeStyle = css("--warn");
      g.lineWidth = 2.5;
      g.beginPath();
      let x = pose[0], y = pose[1], t = th;
      let [sx, sy] = T.toScreen(x, y);
      g.moveTo(sx, sy);
      for (let i = 0; i < 30; i++) {
        x += v * Math.cos(t) * 0.05; y += v * Math.sin(t) * 0.05; t += om * 0.05;
        [sx, sy] = T.toScreen(x, y);
        g.lineTo(sx, sy);
      }
      g.stroke();
      // robot: a triangle pointing along theta
      const [rx, ry] = T.toScreen(pose[0], pose[1]);
      const L = 11;
      g.fillStyle = f.safety && f.safety.estop ? css("--bad") : css("--info");
      g.beginPath();
      g.moveTo(rx + L * Math.cos(-th), ry + L * Math.sin(-th));
      g.lineTo(rx + L * 0.7 * Math.cos(-th + 2.5), ry + L * 0.7 * Math.sin(-th + 2.5));
      g.lineTo(rx + L * 0.7 * Math.cos(-th - 2.5), ry + L * 0.7 * Math.sin(-th - 2.5));
      g.closePath();
      g.fill();
      g.strokeStyle = "#fff"; g.lineWidth = 1; g.stroke();
    }
  }

  const LO = 100, HI = 1e8; // ns: the histogram's range (include/spinal/hist.h)
  const lx = (ns, w) => (Math.log10(Math.max(LO, Math.min(HI, ns))) - 2) / 6 * w;

  function fmtNs(ns) {
    if (ns == null) return "—";
    if (ns < 1e3) return ns.toFixed(0) + " ns";
    if (ns < 1e6) return (ns / 1e3).toPrecision(3) + " µs";
    if (ns < 1e9) return (ns / 1e6).toPrecision(3) + " ms";
    return (ns / 1e9).toPrecision(3) + " s";
  }

  // One stage: buckets [lo, hi, count] on a log-ns axis, log count, lines at
  // p50 (blue), p99 (orange), max (red) and the seed budget (green, dashed).
  function hist(cv, s) {
    const { g, w, h } = fit(cv, 0.2);
    g.clearRect(0, 0, w, h);
    const hb = h - 12;
    g.fillStyle = "#26313a";
    for (let d = 2; d <= 8; d++) {
      const x = (d - 2) / 6 * w;
      g.fillRect(x, 0, 1, hb);
    }
    g.fillStyle = css("--dim");
    g.font = "9px sans-serif";
    ["100ns", "1µs", "10µs", "100µs", "1ms", "10ms", "100ms"].forEach((t, i) =>
      g.fillText(t, Math.min(w - 28, i / 6 * w + 2), h - 2));
    let maxc = 1;
    for (const b of s.buckets) maxc = Math.max(maxc, b[2]);
    const ly = (c) => Math.log10(c + 1) / Math.log10(maxc + 1) * (hb - 2);
    g.fillStyle = "#7fa6bf";
    for (const [lo, hi, c] of s.buckets) {
      const x0 = lx(Math.max(lo, LO), w), x1 = Math.max(x0 + 1, lx(hi == null ? HI : hi, w));
      const y = ly(c);
      g.fillRect(x0, hb - y, x1 - x0, y);
    }
    const line = (ns, color, dash) => {
      if (!ns) return;
      const x = lx(ns, w);
      g.strokeStyle = color; g.setLineDash(dash || []); g.lineWidth = 1.5;
      g.beginPath(); g.moveTo(x, 0); g.lineTo(x, hb); g.stroke();
      g.setLineDash([]);
    };
    line(s.budget_ns, css("--ok"), [4, 3]);
    line(s.p50_ns, css("--info"));
    line(s.p99_ns, css("--warn"));
    line(s.max_ns, css("--bad"), [2, 2]);
  }

  // Overruns per second over the last minute (bars), consecutive misses noted.
  function strip(cv, pts, now) {
    const { g, w, h } = fit(cv, 0.25);
    g.clearRect(0, 0, w, h);
    const span = 60;
    g.fillStyle = "#26313a";
    for (let s = 0; s <= span; s += 10) g.fillRect(w - s / span * w, 0, 1, h - 10);
    g.fillStyle = css("--dim");
    g.font = "9px sans-serif";
    g.fillText("-60 s", 2, h - 1);
    g.fillText("now", w - 20, h - 1);
    let maxv = 1;
    for (const p of pts) maxv = Math.max(maxv, p.n);
    g.fillStyle = css("--bad");
    for (const p of pts) {
      const age = now - p.t;
      if (age > span || p.n <= 0) continue;
      const x = w - age / span * w;
      const y = Math.max(2, p.n / maxv * (h - 14));
      g.fillRect(x - 2, h - 10 - y, 4, y);
    }
    g.fillStyle = css("--dim");
    g.fillText("max " + maxv + "/s", 2, 10);
  }

  return { map, hist, strip, fmtNs, transform };
})();
