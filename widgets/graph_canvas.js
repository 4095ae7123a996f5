// The graph canvas: a Graphviz SVG that learners zoom, pan and click.
// Data from Python: {svg, key, view, selected, min_px, height, legend, report_width, width,
// words} (words: the buttons' text and tooltips in the visitor's language).
// To Python: state {selected: node id, width: px} and the one-off trigger {frame: cluster name}.
// Zoom and pan change the SVG's viewBox; the view survives reruns while `view` stays the same.
const MIN_SCALE = 0.05, MAX_SCALE = 8, STEP = 1.25, CLICK_SLOP = 5, TOOLS_PX = 36;

function clean(svgText) {
  // Graphviz writes this SVG from our escaped DOT; strip anything active all the same.
  const doc = new DOMParser().parseFromString(svgText, "image/svg+xml");
  const svg = doc.documentElement;
  if (svg.nodeName !== "svg") return null;
  svg.querySelectorAll("script, foreignObject").forEach((e) => e.remove());
  for (const el of [svg, ...svg.querySelectorAll("*")]) {
    for (const a of [...el.attributes]) {
      const name = a.name.toLowerCase();
      if (name.startsWith("on") || name.endsWith("href")) el.removeAttribute(a.name);
    }
  }
  return document.importNode(svg, true);
}

function smallestFont(svg) {
  let least = Infinity;
  for (const t of svg.querySelectorAll("g.node text")) {
    const size = parseFloat(t.getAttribute("font-size"));
    if (size > 0) least = Math.min(least, size);
  }
  return isFinite(least) ? least : 14;
}

function drawLegend(box, keys) {
  // Words go in as text, never as markup: node kinds are ours, but keep the habit.
  const items = (keys || []).map((k) => {
    const item = document.createElement("span");
    item.className = "key";
    const mark = document.createElement("i");
    mark.className = `mark ${k.mark}`;
    mark.style.background = k.fill || "transparent";
    mark.style.borderColor = k.border || "transparent";
    mark.style.color = k.border || "#000";
    item.append(mark, document.createTextNode(k.label));
    return item;
  });
  box.replaceChildren(...items);
}

function useWords(root, words) {
  const set = (selector, attr, text) => {
    const el = selector ? root.querySelector(selector) : root;
    if (!el || !text) return;
    if (attr) el.setAttribute(attr, text); else el.textContent = text;
  };
  set(null, "aria-label", words.canvas);
  set(".zoom-in", "title", words.zoom_in);
  set(".zoom-out", "title", words.zoom_out);
  set(".fit", "title", words.fit_title);
  set(".fit", null, words.fit);
  set(".readable", "title", words.reset_title);
  set(".readable", null, words.reset);
  set(".legend", "aria-label", words.legend);
}

export default function (component) {
  const { parentElement, data, setStateValue, setTriggerValue } = component;
  const root = parentElement.querySelector(".gl-canvas");
  const stage = root.querySelector(".stage");
  const s = root.__gl || (root.__gl = { key: null, view: null, box: null, vb: null });
  root.style.height = `${data.height}px`;
  useWords(root, data.words || {});

  const size = () => [Math.max(stage.clientWidth, 50), Math.max(stage.clientHeight, 50)];
  const svgEl = () => stage.querySelector("svg");
  const apply = () => {
    const svg = svgEl();
    if (!svg || !s.vb) return;
    svg.setAttribute("viewBox", `${s.vb.x} ${s.vb.y} ${s.vb.w} ${s.vb.h}`);
    root.dataset.scale = (size()[0] / s.vb.w).toFixed(4);
  };
  const atScale = (scale, cx, cy) => {
    s.touched = true;
    // Keep the graph point under (cx, cy) (fractions of the stage) where it is.
    const [w, h] = size();
    scale = Math.min(MAX_SCALE, Math.max(MIN_SCALE, scale));
    const px = s.vb.x + cx * s.vb.w, py = s.vb.y + cy * s.vb.h;
    s.vb = { w: w / scale, h: h / scale, x: 0, y: 0 };
    s.vb.x = px - cx * s.vb.w;
    s.vb.y = py - cy * s.vb.h;
    apply();
  };
  const scaleNow = () => size()[0] / s.vb.w;
  const fit = () => {
    s.touched = true;
    const [w, h] = size();
    const scale = Math.min(w / s.box.w, h / s.box.h);
    s.vb = { w: w / scale, h: h / scale, x: 0, y: 0 };
    s.vb.x = s.box.x - (s.vb.w - s.box.w) / 2;
    s.vb.y = s.box.y - (s.vb.h - s.box.h) / 2;
    apply();
  };
  const initial = () => {
    s.touched = false;
    // The whole graph when its labels stay readable; else its top, at a readable size.
    const [w, h] = size();
    const fitScale = Math.min(w / s.box.w, h / s.box.h);
    const readable = data.min_px / smallestFont(svgEl());
    const scale = fitScale >= readable ? Math.min(fitScale, 1.5) : readable;
    s.vb = { w: w / scale, h: h / scale, x: 0, y: 0 };
    // Centred across; from the top down when it is too tall (where a graph starts).
    s.vb.x = s.box.x - (s.vb.w - s.box.w) / 2;
    // (leaving room above it for the tool buttons).
    const room = TOOLS_PX * s.vb.w / w;
    s.vb.y = s.vb.h >= s.box.h + room ? s.box.y - (s.vb.h - s.box.h) / 2 : s.box.y - room;
    apply();
    if (s.vb.w < s.box.w) centreOnTop();
  };
  const centreOnTop = () => {
    // Too wide to show whole: centre on the nodes at the top, not on the whole box (a
    // staircase layout leaves the top of its box half empty).
    const r = stage.getBoundingClientRect(), k = s.vb.w / r.width;
    let least = Infinity, most = -Infinity;
    for (const g of stage.querySelectorAll("g.node")) {
      const b = g.getBoundingClientRect();
      if (b.top - r.top > r.height || b.bottom < r.top) continue;
      least = Math.min(least, s.vb.x + (b.left - r.left) * k);
      most = Math.max(most, s.vb.x + (b.right - r.left) * k);
    }
    if (!isFinite(least)) return;
    const x = (least + most) / 2 - s.vb.w / 2;
    s.vb.x = Math.min(Math.max(x, s.box.x), s.box.x + s.box.w - s.vb.w);
    apply();
  };

  const legendText = JSON.stringify(data.legend || []);
  if (s.legend !== legendText) {
    drawLegend(root.querySelector(".legend"), data.legend);
    s.legend = legendText;
  }
  if (s.key !== data.key) {
    const svg = clean(data.svg);
    if (!svg) return;
    const [x, y, w, h] = (svg.getAttribute("viewBox") || "0 0 100 100").split(/[\s,]+/).map(Number);
    svg.removeAttribute("width");
    svg.removeAttribute("height");
    svg.setAttribute("preserveAspectRatio", "xMinYMin meet");
    stage.replaceChildren(svg);
    s.box = { x, y, w, h };
    if (s.view !== data.view || !s.vb) initial(); else apply();
    s.key = data.key;
    s.view = data.view;
  }
  // Pages that size their picture to the view (Model Graph) learn the canvas's real width.
  const width = Math.round(stage.clientWidth);
  if (data.report_width && width > 0 && Math.abs(width - (data.width || 0)) > 40) {
    setStateValue("width", width);
  }
  for (const g of stage.querySelectorAll("g.node")) {
    const title = g.querySelector("title");
    g.classList.toggle("gl-selected", !!title && title.textContent === data.selected);
  }

  if (root.dataset.bound) return;
  root.dataset.bound = "1";
  // The stage may still be settling when the first view is set (a column that stacks on a
  // phone): until the visitor moves the view, a new size sets the first view again.
  new ResizeObserver(() => {
    if (s.box && s.vb) (s.touched ? apply : initial)();
  }).observe(stage);
  root.querySelector(".zoom-in").addEventListener("click", () => atScale(scaleNow() * STEP, 0.5, 0.5));
  root.querySelector(".zoom-out").addEventListener("click", () => atScale(scaleNow() / STEP, 0.5, 0.5));
  root.querySelector(".fit").addEventListener("click", fit);
  root.querySelector(".readable").addEventListener("click", initial);
  stage.addEventListener("wheel", (e) => {
    e.preventDefault();
    const r = stage.getBoundingClientRect();
    const factor = Math.exp(-e.deltaY * 0.0015);
    atScale(scaleNow() * factor, (e.clientX - r.left) / r.width, (e.clientY - r.top) / r.height);
  }, { passive: false });

  const pointers = new Map();
  let moved = 0, pinch = null;
  stage.addEventListener("pointerdown", (e) => {
    stage.setPointerCapture(e.pointerId);
    pointers.set(e.pointerId, [e.clientX, e.clientY]);
    moved = 0;
    pinch = null;
  });
  stage.addEventListener("pointermove", (e) => {
    const last = pointers.get(e.pointerId);
    if (!last) return;
    pointers.set(e.pointerId, [e.clientX, e.clientY]);
    const [w, h] = size();
    if (pointers.size === 2) {  // two fingers: pinch to zoom about their midpoint
      const [a, b] = [...pointers.values()];
      const dist = Math.hypot(a[0] - b[0], a[1] - b[1]);
      const r = stage.getBoundingClientRect();
      if (pinch) atScale(scaleNow() * dist / pinch, ((a[0] + b[0]) / 2 - r.left) / r.width, ((a[1] + b[1]) / 2 - r.top) / r.height);
      pinch = dist;
      moved += CLICK_SLOP;
      return;
    }
    const dx = e.clientX - last[0], dy = e.clientY - last[1];
    moved += Math.abs(dx) + Math.abs(dy);
    s.touched = true;
    s.vb.x -= dx * s.vb.w / w;
    s.vb.y -= dy * s.vb.h / h;
    apply();
  });
  const release = (e) => {
    const wasClick = pointers.size === 1 && moved < CLICK_SLOP;
    pointers.delete(e.pointerId);
    if (!wasClick) return;
    // Inside a shadow root the document only sees the host: ask the root itself. Everything
    // under the pointer counts: an edge may run across a node's or a frame's title.
    const scope = parentElement.elementsFromPoint ? parentElement : document;
    const hits = scope.elementsFromPoint(e.clientX, e.clientY);
    const within = (selector) => {
      for (const el of hits) {
        const g = el.closest ? el.closest(selector) : null;
        if (g && stage.contains(g)) return g;
      }
      return null;
    };
    const node = within("g.node");
    const title = node ? node.querySelector("title") : null;
    if (title) return setStateValue("selected", title.textContent);
    // Not a node: a module's frame, if the click fell inside one (a one-off event).
    const frame = within("g.cluster");
    const name = frame ? frame.querySelector(":scope > title") : null;
    if (name) setTriggerValue("frame", name.textContent);
  };
  stage.addEventListener("pointerup", release);
  stage.addEventListener("pointercancel", (e) => pointers.delete(e.pointerId));
  root.addEventListener("keydown", (e) => {
    const [w, h] = size(), step = 60;
    const moves = { ArrowLeft: [-step, 0], ArrowRight: [step, 0], ArrowUp: [0, -step], ArrowDown: [0, step] };
    if (e.key === "+" || e.key === "=") atScale(scaleNow() * STEP, 0.5, 0.5);
    else if (e.key === "-") atScale(scaleNow() / STEP, 0.5, 0.5);
    else if (e.key === "0") fit();
    else if (moves[e.key]) {
      s.touched = true;
      s.vb.x += moves[e.key][0] * s.vb.w / w;
      s.vb.y += moves[e.key][1] * s.vb.h / h;
      apply();
    } else return;
    e.preventDefault();
  });
}
