// The token explorer of package viz (explorer.go). Go copies this file into
// every fragment, inside a function, followed by explore(rootId, data): no
// globals, no network. Keep it plain JavaScript that browsers run as is.
"use strict";

var SVGNS = "http://www.w3.org/2000/svg";

// el creates an HTML element with attributes and children (strings become text).
function el(tag, attrs, children) {
  var e = document.createElement(tag);
  setAttrs(e, attrs);
  (children || []).forEach(function (c) {
    e.appendChild(typeof c === "string" ? document.createTextNode(c) : c);
  });
  return e;
}

// svg creates an SVG element with attributes.
function svg(tag, attrs) {
  var e = document.createElementNS(SVGNS, tag);
  setAttrs(e, attrs);
  return e;
}

function setAttrs(e, attrs) {
  for (var k in attrs || {}) {
    if (attrs[k] !== null && attrs[k] !== undefined) e.setAttribute(k, String(attrs[k]));
  }
}

// fmtValue prints a value of series s as Go's explorerSeries.format does:
// fixed decimals, or significant digits in plain notation for decimal
// exponents in [-4, 15) and d.ddde±XX outside.
function fmtValue(s, v) {
  if (v === null || v === undefined || Number.isNaN(v)) return "NaN";
  if (v === Infinity) return "+Inf";
  if (v === 0) v = 0; // no "-0.0000"
  if (v === -Infinity) return "-Inf";
  if (s.decimals > 0) return v.toFixed(s.decimals);
  var e = v.toExponential(s.digits - 1);
  var exp = parseInt(e.slice(e.lastIndexOf("e") + 1), 10);
  if (exp < -4 || exp >= 15) return e.replace(/e([+-])(\d)$/, "e$10$2");
  return Number(e).toFixed(Math.max(0, s.digits - 1 - exp));
}

// The displayed minus sign is U+2212, easier to read than a hyphen.
function show(s, v) {
  return fmtValue(s, v).replace(/^-/, "\u2212");
}

function hexRGB(h) {
  return [parseInt(h.slice(1, 3), 16), parseInt(h.slice(3, 5), 16), parseInt(h.slice(5, 7), 16)];
}

// luminance is the WCAG relative luminance of an sRGB colour.
function luminance(rgb) {
  var c = rgb.map(function (x) {
    x /= 255;
    return x <= 0.04045 ? x / 12.92 : Math.pow((x + 0.055) / 1.055, 2.4);
  });
  return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2];
}

// textOn returns black or white, whichever contrasts more with the background.
function textOn(rgb) {
  var l = luminance(rgb);
  return (l + 0.05) / 0.05 >= 1.05 / (l + 0.05) ? "#000000" : "#ffffff";
}

function explore(rootId, d) {
  var tries = 0;
  (function start() {
    var root = document.getElementById(rootId);
    if (!root) {
      // Some notebook front ends run the script before the output is attached.
      if (++tries < 400) setTimeout(start, 50);
      return;
    }
    if (root.getAttribute("data-g2tx-ready")) return;
    build(root, d);
    root.setAttribute("data-g2tx-ready", "1");
  })();
}

function build(root, d) {
  var L = d.L, T = d.T;
  var pal = d.palette.map(hexRGB);
  var texts = root.querySelector(".g2tx-text");
  var toks = Array.prototype.slice.call(texts.querySelectorAll(".g2tx-tok"));
  var detail = root.querySelector(".g2tx-detail");
  var ui = root.querySelector(".g2tx-ui");
  var nojs = root.querySelector(".g2tx-nojs");
  if (nojs) nojs.parentNode.removeChild(nojs);
  var labels = toks.map(function (t) { return t.textContent; });

  // Values as numbers, and the colour range over all layers.
  d.series.forEach(function (s) {
    var div = s.decimals > 0 ? Math.pow(10, s.decimals) : 1;
    var conv = function (x) { return x === null ? NaN : x / div; };
    s.val = s.v.map(conv);
    s.meanV = s.mean.map(conv);
    s.stdV = s.std.map(conv);
    s.allRange = range(s, -1);
  });

  var state = { layer: d.layer, series: d.series0, perLayer: d.perLayer, token: -1 };

  // range returns [lo, hi] of the colour scale of series s at layer l (all
  // layers when l < 0), without the outlier token; symmetric for a diverging palette.
  function range(s, l) {
    var lo = Infinity, hi = -Infinity;
    var from = l < 0 ? 0 : l, to = l < 0 ? L : l + 1;
    for (var r = from; r < to; r++) {
      for (var t = 0; t < T; t++) {
        if (t === d.outlier) continue;
        var v = s.val[r * T + t];
        if (Number.isFinite(v)) {
          if (v < lo) lo = v;
          if (v > hi) hi = v;
        }
      }
    }
    if (d.diverging) {
      var a = Math.max(Math.abs(lo), Math.abs(hi));
      if (!Number.isFinite(a) || a === 0) a = 1;
      return [-a, a];
    }
    if (lo > hi) return [0, 1];
    if (lo === hi) return [lo - 0.5, hi + 0.5];
    return [lo, hi];
  }

  // colour returns the palette colour of v on [lo, hi], clamped.
  function colour(v, lo, hi) {
    var x = (v - lo) / (hi - lo);
    x = Math.min(1, Math.max(0, x)) * (pal.length - 1);
    var i = Math.min(pal.length - 2, Math.floor(x)), f = x - i;
    return pal[i].map(function (c, k) { return Math.round(c + f * (pal[i + 1][k] - c)); });
  }

  function cur() { return d.series[state.series]; }
  function value(s, l, t) { return s.val[l * T + t]; }
  function scale() { return state.perLayer ? range(cur(), state.layer) : cur().allRange; }

  // ---- Controls ----
  var controls = el("div", { class: "g2tx-controls" });
  ui.appendChild(controls);
  var radios = [];
  if (d.series.length > 1) {
    var fs = el("fieldset", { class: "g2tx-series" }, [el("legend", {}, ["Step length of"])]);
    d.series.forEach(function (s, i) {
      var r = el("input", { type: "radio", name: root.id + "-series", value: String(i) });
      r.checked = i === state.series;
      r.addEventListener("change", function () { if (r.checked) { state.series = i; update(); } });
      radios.push(r);
      fs.appendChild(el("label", {}, [r, " " + s.title]));
    });
    controls.appendChild(fs);
  }
  var slider = el("input", { type: "range", min: 0, max: L - 1, step: 1, class: "g2tx-slider", "aria-label": "layer" });
  slider.value = String(state.layer);
  var layerOut = el("output", { class: "g2tx-layer" });
  controls.appendChild(el("label", { class: "g2tx-slider-label" }, ["Layer ", slider, " ", layerOut, " of 0\u2013" + (L - 1)]));
  var perLayerBox = el("input", { type: "checkbox", class: "g2tx-perlayer" });
  perLayerBox.checked = state.perLayer;
  controls.appendChild(el("label", {}, [perLayerBox, " colour scale from this layer only (else all layers)"]));
  controls.appendChild(el("span", { class: "g2tx-help" }, ["Keys: \u2191/\u2193 layer, \u2190/\u2192 token"]));
  slider.addEventListener("input", function () { setLayer(parseInt(slider.value, 10)); });
  perLayerBox.addEventListener("change", function () { state.perLayer = perLayerBox.checked; update(); });

  var summary = el("div", { class: "g2tx-summary" });
  ui.appendChild(summary);

  // Strip of per-layer means: a click (or the arrow keys when it has focus) selects a layer.
  var stripW = Math.max(L * 12, 240), stripH = 44;
  var strip = svg("svg", {
    class: "g2tx-strip", viewBox: "0 0 " + stripW + " " + stripH, preserveAspectRatio: "none",
    tabindex: 0, role: "slider", "aria-valuemin": 0, "aria-valuemax": L - 1,
  });
  var stripBars = [], stripHits = [];
  var zeroLine = svg("line", { x1: 0, x2: stripW, class: "g2tx-zero" });
  strip.appendChild(zeroLine);
  for (var l = 0; l < L; l++) {
    var hit = svg("rect", { x: l * stripW / L, y: 0, width: stripW / L, height: stripH, class: "g2tx-hit", "data-l": l });
    var tip = svg("title", {});
    hit.appendChild(tip);
    var bar = svg("rect", { x: (l + 0.15) * stripW / L, width: 0.7 * stripW / L, class: "g2tx-bar", "data-l": l });
    strip.appendChild(hit);
    strip.appendChild(bar);
    stripHits.push(hit);
    stripBars.push(bar);
  }
  strip.addEventListener("click", function (ev) {
    var l = ev.target.getAttribute && ev.target.getAttribute("data-l");
    if (l !== null && l !== undefined) setLayer(parseInt(l, 10));
  });
  var stripCaption = el("div", { class: "g2tx-caption" });
  ui.appendChild(el("div", { class: "g2tx-stripbox" }, [strip, stripCaption]));

  // Legend: the palette with its range as numbers.
  var legendBar = el("span", { class: "g2tx-legend-bar" });
  var legendLo = el("span", { class: "g2tx-legend-num" }), legendMid = el("span", { class: "g2tx-legend-num" }), legendHi = el("span", { class: "g2tx-legend-num" });
  var legendName = el("span", { class: "g2tx-legend-name" });
  legendBar.style.background = "linear-gradient(to right," + d.palette.join(",") + ")";
  var legendItems = [legendName, el("span", { class: "g2tx-legend-scale" }, [legendLo, legendBar, legendHi]),
    el("span", {}, [el("span", { class: "g2tx-swatch g2tx-nan" }, ["\u00a0\u00a0"]), " undefined"])];
  if (d.diverging) legendItems.splice(2, 0, el("span", { class: "g2tx-legend-mid" }, ["white = ", legendMid]));
  if (d.outlier >= 0) {
    legendItems.push(el("span", {}, [el("span", { class: "g2tx-swatch g2tx-outlier" }, ["\u00a0\u00a0"]),
      " token " + d.outlier + " (in GPT-2 an extreme outlier): not in the colour scale"]));
  }
  ui.appendChild(el("div", { class: "g2tx-legend" }, legendItems));

  texts.setAttribute("aria-label", "the text, one token at a time; arrow keys move between tokens");
  if (d.outlier >= 0 && toks[d.outlier]) toks[d.outlier].classList.add("g2tx-outlier");
  if (toks.length) toks[0].tabIndex = 0;

  // ---- Updating ----
  function setLayer(l) {
    l = Math.max(0, Math.min(L - 1, l));
    if (l === state.layer && root.getAttribute("data-layer") === String(l)) return;
    state.layer = l;
    update();
  }

  function update() {
    var s = cur(), l = state.layer, sc = scale();
    slider.value = String(l);
    layerOut.textContent = String(l);
    root.setAttribute("data-layer", String(l));
    root.setAttribute("data-series", s.key);
    radios.forEach(function (r, i) { r.checked = i === state.series; });
    for (var t = 0; t < T; t++) {
      var v = value(s, l, t), tok = toks[t];
      if (!tok) continue;
      if (Number.isNaN(v)) {
        tok.classList.add("g2tx-nan");
        tok.style.backgroundColor = "";
        tok.style.color = "";
      } else {
        var c = colour(v, sc[0], sc[1]);
        tok.classList.remove("g2tx-nan");
        tok.style.backgroundColor = "rgb(" + c.join(",") + ")";
        tok.style.color = textOn(c);
      }
      tok.setAttribute("aria-label", "token " + t + " " + labels[t] + ": " + s.name + " " + show(s, v));
    }
    // Summary line, numbers as text.
    var parts = [];
    if (s.count[l] === 0) {
      parts.push("Layer " + l + ": every " + s.name + " is " + s.undefined + ".");
    } else {
      parts.push("Layer " + l + ": mean " + s.name + " " + show(s, s.meanV[l]) + " \u00b1 " + show(s, s.stdV[l]) +
        " (std over " + s.count[l] + " tokens).");
    }
    if (d.outlier >= 0 && T > 1) {
      var o = value(s, l, d.outlier), others = [];
      for (var t2 = 0; t2 < T; t2++) {
        var w = value(s, l, t2);
        if (t2 !== d.outlier && Number.isFinite(w)) others.push(w);
      }
      others.sort(function (a, b) { return a - b; });
      var n = others.length, med = n === 0 ? NaN : (n % 2 ? others[(n - 1) / 2] : (others[n / 2 - 1] + others[n / 2]) / 2);
      if (Number.isFinite(o) && med > 0) {
        parts.push("Token " + d.outlier + ": " + show(s, o) + ", " + (o / med).toFixed(1) + "\u00d7 the median of the other tokens (" + show(s, med) + ").");
      }
    }
    summary.textContent = parts.join(" ");
    // Legend numbers.
    legendName.textContent = s.title + (state.perLayer ? ", layer " + l + ":" : ", all layers:");
    legendLo.textContent = show(s, sc[0]);
    legendHi.textContent = show(s, sc[1]);
    legendMid.textContent = show(s, 0);
    drawStrip(s, l);
    drawDetail();
  }

  function drawStrip(s, l) {
    var lo = 0, hi = 0;
    s.meanV.forEach(function (m) {
      if (Number.isFinite(m)) { lo = Math.min(lo, m); hi = Math.max(hi, m); }
    });
    if (hi === lo) hi = lo + 1;
    var y = function (v) { return 3 + (hi - v) / (hi - lo) * (stripH - 6); };
    zeroLine.setAttribute("y1", y(0));
    zeroLine.setAttribute("y2", y(0));
    for (var r = 0; r < L; r++) {
      var m = s.meanV[r], bar = stripBars[r];
      var txt = "layer " + r + ": mean " + s.name + " " + show(s, m);
      stripHits[r].firstChild.textContent = txt;
      if (Number.isFinite(m)) {
        bar.setAttribute("y", Math.min(y(m), y(0)));
        bar.setAttribute("height", Math.max(0.5, Math.abs(y(m) - y(0))));
      } else {
        bar.setAttribute("y", y(0));
        bar.setAttribute("height", 0);
      }
      bar.setAttribute("class", "g2tx-bar" + (r === l ? " g2tx-sel" : ""));
      stripHits[r].setAttribute("class", "g2tx-hit" + (r === l ? " g2tx-sel" : ""));
    }
    strip.setAttribute("aria-valuenow", l);
    strip.setAttribute("aria-valuetext", "layer " + l + ", mean " + show(s, s.meanV[l]));
    strip.setAttribute("aria-label", "per-layer mean " + s.name + "; arrow keys or a click select a layer");
    var ms = s.meanV.filter(Number.isFinite);
    stripCaption.textContent = "Per-layer mean " + s.name + " (bars; a click selects a layer): " +
      (ms.length ? "from " + show(s, Math.min.apply(null, ms)) + " to " + show(s, Math.max.apply(null, ms)) : "undefined") + ".";
  }

  // ---- The token detail ----
  function setToken(t) {
    if (t < 0 || t >= T) return;
    state.token = t;
    toks.forEach(function (k, i) { k.classList.toggle("g2tx-current", i === t); });
    drawDetail();
  }

  function drawDetail() {
    var t = state.token, s = cur(), l = state.layer;
    detail.textContent = "";
    if (t < 0) {
      detail.removeAttribute("data-token");
      detail.appendChild(el("div", { class: "g2tx-hint" }, [
        "Hover over a token, or click one and move with \u2190/\u2192, to see its numbers and its curve over the layers."]));
      return;
    }
    detail.setAttribute("data-token", String(t));
    var v = value(s, l, t);
    detail.appendChild(el("div", { class: "g2tx-d-head" }, ["Token " + t + " of " + T + " \u00b7 id " + d.ids[t]]));
    detail.appendChild(el("div", { class: "g2tx-d-text" }, ["text ", el("code", {}, [d.texts[t]])]));
    detail.appendChild(el("div", { class: "g2tx-d-value" }, [s.name + " at layer " + l + ": ",
      el("b", { class: "g2tx-d-num" }, [Number.isNaN(v) ? s.undefined : show(s, v)])]));
    detail.appendChild(el("div", { class: "g2tx-d-mean" }, ["layer " + l + " mean \u00b1 std: " +
      (s.count[l] ? show(s, s.meanV[l]) + " \u00b1 " + show(s, s.stdV[l]) : "undefined")]));
    if (t === d.outlier) detail.appendChild(el("div", { class: "g2tx-d-note" }, ["token " + t + " is left out of the colour scale (in GPT-2 an extreme outlier)"]));
    detail.appendChild(curve(s, t, l));
    detail.appendChild(el("div", { class: "g2tx-d-note" }, ["dots: this token per layer; band: layer mean \u00b1 std; line: layer " + l]));
  }

  // curve draws token t's value per layer over the layer mean ± std.
  function curve(s, t, sel) {
    var W = 260, H = 120, pl = 44, pr = 6, pt = 8, pb = 18;
    var lo = Infinity, hi = -Infinity;
    function see(v) { if (Number.isFinite(v)) { lo = Math.min(lo, v); hi = Math.max(hi, v); } }
    for (var l = 0; l < L; l++) {
      see(value(s, l, t));
      see(s.meanV[l] - s.stdV[l]);
      see(s.meanV[l] + s.stdV[l]);
    }
    if (lo > hi) { lo = 0; hi = 1; }
    if (lo === hi) { lo -= 0.5; hi += 0.5; }
    var x = function (l) { return pl + (L > 1 ? l / (L - 1) : 0.5) * (W - pl - pr); };
    var y = function (v) { return pt + (hi - v) / (hi - lo) * (H - pt - pb); };
    var g = svg("svg", { class: "g2tx-curve", viewBox: "0 0 " + W + " " + H, width: W, height: H, role: "img",
      "aria-label": s.name + " of token " + t + " per layer, over the layer mean \u00b1 std" });
    var up = [], down = [], mean = [];
    for (var l2 = 0; l2 < L; l2++) {
      var m = s.meanV[l2], sd = s.stdV[l2];
      if (!Number.isFinite(m) || !Number.isFinite(sd)) continue;
      up.push(x(l2) + "," + y(m + sd));
      down.unshift(x(l2) + "," + y(m - sd));
      mean.push(x(l2) + "," + y(m));
    }
    if (up.length) g.appendChild(svg("polygon", { points: up.concat(down).join(" "), class: "g2tx-band" }));
    if (mean.length) g.appendChild(svg("polyline", { points: mean.join(" "), class: "g2tx-meanline" }));
    if (lo < 0 && hi > 0) g.appendChild(svg("line", { x1: pl, x2: W - pr, y1: y(0), y2: y(0), class: "g2tx-zero" }));
    g.appendChild(svg("line", { x1: x(sel), x2: x(sel), y1: pt, y2: H - pb, class: "g2tx-selline" }));
    var pts = [];
    for (var l3 = 0; l3 <= L; l3++) {
      var v = l3 < L ? value(s, l3, t) : NaN;
      if (Number.isFinite(v)) {
        pts.push(x(l3) + "," + y(v));
        continue;
      }
      if (pts.length > 1) g.appendChild(svg("polyline", { points: pts.join(" "), class: "g2tx-tokline" }));
      pts = [];
    }
    for (var l4 = 0; l4 < L; l4++) {
      var w = value(s, l4, t);
      if (Number.isFinite(w)) g.appendChild(svg("circle", { cx: x(l4), cy: y(w), r: l4 === sel ? 3.2 : 1.8, class: "g2tx-dot" + (l4 === sel ? " g2tx-sel" : "") }));
    }
    var label = function (txt, xx, yy, anchor) {
      var e = svg("text", { x: xx, y: yy, "text-anchor": anchor, class: "g2tx-axis" });
      e.textContent = txt;
      g.appendChild(e);
    };
    label(show(s, hi), pl - 3, pt + 4, "end");
    label(show(s, lo), pl - 3, H - pb, "end");
    label("0", x(0), H - 5, "middle");
    label("layer", (pl + W - pr) / 2, H - 5, "middle");
    if (L > 1) label(String(L - 1), x(L - 1), H - 5, "middle");
    return g;
  }

  // ---- Events ----
  texts.addEventListener("mouseover", function (ev) {
    var k = ev.target.closest ? ev.target.closest(".g2tx-tok") : null;
    if (k) setToken(parseInt(k.getAttribute("data-i"), 10));
  });
  texts.addEventListener("focusin", function (ev) {
    var k = ev.target.closest ? ev.target.closest(".g2tx-tok") : null;
    if (!k) return;
    toks.forEach(function (o) { o.tabIndex = -1; });
    k.tabIndex = 0;
    setToken(parseInt(k.getAttribute("data-i"), 10));
  });
  texts.addEventListener("click", function (ev) {
    var k = ev.target.closest ? ev.target.closest(".g2tx-tok") : null;
    if (k) k.focus();
  });
  function focusToken(t) {
    t = Math.max(0, Math.min(T - 1, t));
    if (toks[t]) toks[t].focus();
  }
  root.addEventListener("keydown", function (ev) {
    var k = ev.key, tgt = ev.target;
    var nav = /^(Arrow|Page)/.test(k) || k === "Home" || k === "End";
    if (!nav) return;
    // Keep the notebook from acting on these keys (moving between cells).
    ev.stopPropagation();
    if (tgt.tagName === "INPUT") return; // the slider, radio buttons and checkbox move themselves
    var isTok = tgt.classList && tgt.classList.contains("g2tx-tok");
    var i = isTok ? parseInt(tgt.getAttribute("data-i"), 10) : -1;
    if (k === "ArrowUp" || k === "PageUp" || (!isTok && k === "ArrowRight")) setLayer(state.layer + 1);
    else if (k === "ArrowDown" || k === "PageDown" || (!isTok && k === "ArrowLeft")) setLayer(state.layer - 1);
    else if (isTok && k === "ArrowRight") focusToken(i + 1);
    else if (isTok && k === "ArrowLeft") focusToken(i - 1);
    else if (k === "Home") isTok ? focusToken(0) : setLayer(0);
    else if (k === "End") isTok ? focusToken(T - 1) : setLayer(L - 1);
    ev.preventDefault();
  });

  update();
}
