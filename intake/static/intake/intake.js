// 来电登记: while the operator types, ask the server for hints and show them beside the form.
(() => {
  const root = document.querySelector("[data-intake]");
  if (!root) return;
  const form = root.querySelector("form");
  const field = (name) => form.elements.namedItem(name);
  const text = field("text"), address = field("address"), lat = field("lat"), lng = field("lng");
  const list = document.getElementById("intake-addresses");
  const out = (name) => root.querySelector(`[data-${name}]`);
  const map = root.querySelector("[data-map]");
  const dot = root.querySelector("[data-map-point]");
  root.querySelector("[data-autofocus] input")?.focus();

  const item = (textContent, className) => Object.assign(document.createElement("li"), { textContent, className: className || "" });
  const fill = (el, items, empty) => el.replaceChildren(...(items.length ? items : [item(empty, "help-block")]));

  function render(data) {
    list.replaceChildren(...data.addresses.map((a) => Object.assign(document.createElement("option"), { value: a })));
    const urgency = out("urgency");
    urgency.classList.toggle("is-urgent", data.urgent);
    urgency.textContent = data.urgent ? `可能是紧急件：出现“${data.urgent_cues.join("、")}”，请当日反馈。` : "未发现紧急线索。";
    fill(out("categories"), data.categories.map((c) => {
      const li = item(`${c.parent_name} / ${c.name}　${Math.round(c.confidence * 100)}%（${c.keywords.join("、")}）`);
      li.append(Object.assign(document.createElement("span"), { className: "intake__bar", style: `width:${Math.round(c.confidence * 6)}rem`, ariaHidden: "true" }));
      return li;
    }), "没有匹配的分类关键词，将转人工派单。");
    fill(out("open-cases"), data.open_cases.map((c) =>
      item(`${c.ticket_number}　${c.category_name}　${c.status_label}　${c.received_at} 受理，${c.reporters} 人反映`)
    ), "没有未办结的同类诉求。");
    const place = out("place");
    if (place) place.textContent = data.place ? `${data.place.subdistrict} ${data.place.community} ${data.place.grid}` : "未定位";
    map?.querySelectorAll("polygon").forEach((p) => p.classList.toggle("is-current", !!data.place && p.querySelector("title").textContent === data.place.grid));
  }

  let timer = null, controller = null;
  function ask() {
    clearTimeout(timer);
    timer = setTimeout(async () => {
      controller?.abort();
      controller = new AbortController();
      const params = new URLSearchParams({ text: text.value, address: address.value, lat: lat.value, lng: lng.value });
      try {
        const response = await fetch(`${root.dataset.assistUrl}?${params}`, { signal: controller.signal, headers: { Accept: "application/json" } });
        if (response.ok) render(await response.json());
      } catch (error) {
        if (error.name !== "AbortError") out("urgency").textContent = "提示暂时无法获取，可继续登记。";
      }
    }, 250);
  }
  [text, address, lat, lng].forEach((el) => el.addEventListener("input", ask));

  function showPoint() {
    if (!map || lat.value === "" || lng.value === "") return;
    const d = map.dataset;
    dot.setAttribute("cx", (lng.value - d.minLng) * d.scale);
    dot.setAttribute("cy", (d.maxLat - lat.value) * d.ky);
  }
  map?.addEventListener("click", (event) => {
    const point = new DOMPoint(event.clientX, event.clientY).matrixTransform(map.getScreenCTM().inverse());
    const d = map.dataset;
    lng.value = (Number(d.minLng) + point.x / d.scale).toFixed(6);
    lat.value = (Number(d.maxLat) - point.y / d.ky).toFixed(6);
    showPoint();
    ask();
  });
  [lat, lng].forEach((el) => el.addEventListener("input", showPoint));

  form.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) { event.preventDefault(); form.requestSubmit(); }
  });
  form.addEventListener("submit", () => { root.querySelector("[data-submit]").disabled = true; });
  if (text.value || address.value) ask();
  showPoint();
})();
