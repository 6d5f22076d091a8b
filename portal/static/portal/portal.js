/* Progressive enhancement of the resident pages; every page works without it. */
(function () {
  "use strict";
  var uid = 0;

  /* Suggestions under a text box (WAI-ARIA combobox with a listbox popup). */
  function combobox(input, url, onChoose) {
    var list = document.createElement("ul"), items = [], active = -1, timer = null, last = "";
    var id = "suggest-" + (++uid);
    list.id = id; list.className = "suggestions"; list.setAttribute("role", "listbox"); list.hidden = true;
    var holder = document.createElement("div");
    holder.className = "combo";
    input.parentNode.insertBefore(holder, input);
    holder.appendChild(input); holder.appendChild(list);
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", id);

    function close() {
      list.hidden = true; active = -1;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
    }
    function highlight(index) {
      items.forEach(function (li, i) { li.setAttribute("aria-selected", i === index ? "true" : "false"); });
      active = index;
      if (index >= 0) { input.setAttribute("aria-activedescendant", items[index].id); items[index].scrollIntoView({block: "nearest"}); }
      else { input.removeAttribute("aria-activedescendant"); }
    }
    function choose(index) {
      var text = items[index].getAttribute("data-value");
      input.value = text; last = text; close(); onChoose(text);
    }
    function show(suggestions) {
      list.textContent = ""; items = [];
      suggestions.forEach(function (s, i) {
        var li = document.createElement("li");
        li.id = id + "-" + i; li.setAttribute("role", "option"); li.setAttribute("aria-selected", "false");
        li.setAttribute("data-value", s.text);
        li.textContent = s.text;
        if (s.kind_label) { var k = document.createElement("span"); k.className = "kind"; k.textContent = s.kind_label; li.appendChild(k); }
        li.addEventListener("mousedown", function (e) { e.preventDefault(); choose(i); });
        list.appendChild(li); items.push(li);
      });
      if (items.length) { list.hidden = false; input.setAttribute("aria-expanded", "true"); active = -1; }
      else { close(); }
    }
    function fetchSuggestions() {
      var q = input.value.trim();
      if (q === last) { return; }
      last = q;
      if (!q) { close(); return; }
      fetch(url + "?q=" + encodeURIComponent(q), {headers: {"Accept": "application/json"}})
        .then(function (r) { return r.ok ? r.json() : {suggestions: []}; })
        .then(function (data) { if (input.value.trim() === q) { show(data.suggestions || []); } })
        .catch(close);
    }
    input.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(fetchSuggestions, 150); });
    input.addEventListener("blur", function () { setTimeout(close, 100); });
    input.addEventListener("keydown", function (e) {
      if (list.hidden) { if (e.key === "ArrowDown") { last = ""; fetchSuggestions(); } return; }
      if (e.key === "ArrowDown") { e.preventDefault(); highlight((active + 1) % items.length); }
      else if (e.key === "ArrowUp") { e.preventDefault(); highlight(active <= 0 ? items.length - 1 : active - 1); }
      else if (e.key === "Enter" && active >= 0) { e.preventDefault(); choose(active); }
      else if (e.key === "Escape") { e.preventDefault(); close(); }
    });
  }

  document.querySelectorAll("input[data-suggest]").forEach(function (input) {
    combobox(input, input.getAttribute("data-suggest"), function () {
      if (input.form) { input.form.submit(); }
    });
  });
  document.querySelectorAll("input[data-address-suggest]").forEach(function (input) {
    combobox(input, input.getAttribute("data-address-suggest"), function () {});
  });

  /* 使用我的位置: fill the hidden lat/lng inputs. */
  document.querySelectorAll("[data-locate]").forEach(function (button) {
    if (!("geolocation" in navigator)) { return; }
    var lat = document.querySelector(button.getAttribute("data-lat"));
    var lng = document.querySelector(button.getAttribute("data-lng"));
    var status = document.querySelector(button.getAttribute("data-status"));
    button.hidden = false;
    button.addEventListener("click", function () {
      status.textContent = "正在获取您的位置……";
      button.disabled = true;
      navigator.geolocation.getCurrentPosition(function (pos) {
        lat.value = pos.coords.latitude.toFixed(6);
        lng.value = pos.coords.longitude.toFixed(6);
        status.textContent = "已附上您的位置（纬度 " + lat.value + "，经度 " + lng.value + "）。地址仍可补充门牌号。";
        button.disabled = false;
      }, function (err) {
        status.textContent = err.code === 1 ? "未获得定位权限，请直接填写地址。" : "暂时无法获取位置，请直接填写地址。";
        button.disabled = false;
      }, {enableHighAccuracy: true, timeout: 10000, maximumAge: 60000});
    });
  });

  /* One submission per click; the idempotency key covers what gets through anyway. */
  document.querySelectorAll("form[data-submit-once]").forEach(function (form) {
    form.addEventListener("submit", function () {
      var button = form.querySelector("button[type=submit]");
      if (button) { setTimeout(function () { button.disabled = true; }, 0); }
    });
    window.addEventListener("pageshow", function () {
      var button = form.querySelector("button[type=submit]");
      if (button) { button.disabled = false; }
    });
  });

  /* Print only the materials checklist. */
  document.querySelectorAll("[data-print-checklist]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () {
      document.body.classList.add("print-checklist");
      window.print();
    });
  });
  window.addEventListener("beforeprint", function () {
    document.querySelectorAll("details").forEach(function (d) { d.open = true; });
  });
  window.addEventListener("afterprint", function () { document.body.classList.remove("print-checklist"); });

  /* After a failed submission, take keyboard and screen-reader users to the summary. */
  var summary = document.querySelector("[data-focus]");
  if (summary) { summary.focus(); }
})();
