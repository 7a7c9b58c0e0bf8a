// The scan viewer: OpenSeadragon over the IIIF Image API, page thumbnails, a text beside the scan
// (a transcript, a translation or the page's machine OCR), and, when the page was opened from a search
// (?q=...), the matching words highlighted on the scan through IIIF Content Search.
(function () {
  "use strict";
  const el = document.getElementById("viewer");
  if (!el || typeof OpenSeadragon === "undefined") return;
  const sources = el.dataset.images.split(" ");
  const status = document.getElementById("viewer-status");
  const thumbs = Array.from(document.querySelectorAll(".thumbs a[data-page]"));
  const ocr = JSON.parse(document.getElementById("ocr-pages").textContent || "{}");
  const beside = document.getElementById("beside");
  const besideText = document.getElementById("beside-text");
  const params = new URLSearchParams(window.location.search);
  let hits = [];

  const viewer = OpenSeadragon({
    element: el,
    prefixUrl: el.ownerDocument.querySelector('script[src*="openseadragon.min.js"]').src.replace(/openseadragon\.min\.js.*$/, "images/"),
    tileSources: sources,
    sequenceMode: sources.length > 1,
    showNavigator: true,
    navigatorPosition: "BOTTOM_RIGHT",
    showRotationControl: true,
    gestureSettingsTouch: { pinchRotate: true },
    crossOriginPolicy: "Anonymous",
    initialPage: Math.max(0, Math.min(sources.length - 1, (parseInt(params.get("page") || "1", 10) || 1) - 1)),
  });
  el.viewer = viewer;

  function current() { return sources.length > 1 ? viewer.currentPage() : 0; }

  function showBeside() {
    const choice = beside ? beside.value : "";
    if (!besideText) return;
    if (choice === "ocr") {
      const text = ocr[String(current() + 1)];
      besideText.textContent = text || el.dataset.noOcr || "No OCR text for this page yet.";
      besideText.classList.add("ocr");
    } else if (choice) {
      const section = document.getElementById(choice);
      besideText.classList.remove("ocr");
      besideText.innerHTML = "";
      if (section) {
        const copy = section.cloneNode(true);
        copy.removeAttribute("id");
        copy.removeAttribute("aria-label");  // the copy is no second landmark of the same name
        copy.querySelectorAll("[id]").forEach((n) => n.removeAttribute("id"));
        besideText.appendChild(copy);
      }
    }
  }

  function drawHits() {
    viewer.clearOverlays();
    const page = current() + 1;
    hits.filter((h) => h.page === page).forEach((h) => {
      const item = viewer.world.getItemAt(0);
      if (!item) return;
      const rect = item.imageToViewportRectangle(h.x, h.y, h.w, h.h);
      const mark = document.createElement("div");
      mark.className = "hit-mark";
      mark.title = h.match;
      viewer.addOverlay({ element: mark, location: rect });
    });
  }

  function onPage() {
    const n = current();
    if (status) status.textContent = (el.dataset.pageLabel || "Page %(n)s of %(total)s").replace("%(n)s", n + 1).replace("%(total)s", sources.length);
    thumbs.forEach((t, i) => t.setAttribute("aria-current", i === n ? "page" : "false"));
    showBeside();
  }

  thumbs.forEach((t) => t.addEventListener("click", (event) => {
    event.preventDefault();
    if (sources.length > 1) viewer.goToPage(parseInt(t.dataset.page, 10));
  }));
  if (beside) beside.addEventListener("change", showBeside);
  viewer.addHandler("page", onPage);
  viewer.addHandler("open", () => { onPage(); drawHits(); });

  const q = params.get("q");
  if (q && el.dataset.search) {
    fetch(`${el.dataset.search}?q=${encodeURIComponent(q)}`).then((r) => r.json()).then((list) => {
      const byId = {};
      (list.resources || []).forEach((a) => {
        const m = /#xywh=(\d+),(\d+),(\d+),(\d+)$/.exec(a.on);
        const p = /\/canvas\/p(\d+)#/.exec(a.on);
        if (m && p) byId[a["@id"]] = { page: +p[1], x: +m[1], y: +m[2], w: +m[3], h: +m[4], match: a.resource.chars };
      });
      hits = Object.values(byId);
      const box = document.getElementById("scan-hits");
      if (box) {
        box.hidden = false;
        box.innerHTML = "";
        const head = document.createElement("p");
        head.textContent = hits.length ? `“${q}” on the scan: ${hits.length} match${hits.length === 1 ? "" : "es"}` : `“${q}” was not found on the scan.`;
        box.appendChild(head);
        const ol = document.createElement("ol");
        (list.hits || []).slice(0, 50).forEach((h) => {
          const li = document.createElement("li");
          const a = document.createElement("a");
          a.href = `?page=${h.page}&q=${encodeURIComponent(q)}#scans`;
          a.textContent = `p. ${h.page}: …${h.before} ${h.match} ${h.after}…`;
          a.addEventListener("click", (e) => { e.preventDefault(); viewer.goToPage(h.page - 1); });
          li.appendChild(a);
          ol.appendChild(li);
        });
        box.appendChild(ol);
      }
      if (hits.length && !params.get("page") && sources.length > 1 && hits[0].page - 1 !== current()) {
        viewer.goToPage(hits[0].page - 1);
      } else {
        drawHits();
      }
    }).catch(() => {});
  }
  if (beside && !beside.value && beside.options.length) beside.selectedIndex = 0;
  showBeside();
})();
