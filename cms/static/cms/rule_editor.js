// 派单规则 rows: long multi-selects and keyword textareas become chips with a search box.
// The original <select multiple> / <textarea> stays in the form (hidden) and is what gets submitted.
(() => {
  const norm = (s) => s.trim().toLowerCase();
  let uid = 0;

  function box(original, label) {
    const wrap = document.createElement("div");
    wrap.className = "rule-picker";
    const chips = document.createElement("ul");
    chips.className = "rule-picker__chips";
    chips.setAttribute("aria-label", `已选${label}`);
    const input = document.createElement("input");
    input.type = "text";
    input.className = "rule-picker__input";
    input.setAttribute("aria-label", `搜索并添加${label}`);
    const list = document.createElement("datalist");
    list.id = `rule-picker-${++uid}`;
    input.setAttribute("list", list.id);
    wrap.append(chips, input, list);
    original.hidden = true;
    original.after(wrap);
    return { wrap, chips, input, list };
  }

  function chip(text, onRemove) {
    const li = document.createElement("li");
    li.textContent = text;
    const x = document.createElement("button");
    x.type = "button";
    x.textContent = "×";
    x.setAttribute("aria-label", `移除 ${text}`);
    x.addEventListener("click", onRemove);
    li.append(x);
    return li;
  }

  function enhanceSelect(select) {
    const label = (document.querySelector(`label[for="${select.id}"]`)?.textContent || "").replace("*", "").trim();
    const ui = box(select, label);
    const options = Array.from(select.options);
    const render = () => {
      ui.chips.replaceChildren(...options.filter((o) => o.selected).map((o) =>
        chip(o.textContent.trim(), () => { o.selected = false; render(); ui.input.focus(); })));
      ui.list.replaceChildren(...options.filter((o) => !o.selected).map((o) =>
        Object.assign(document.createElement("option"), { value: o.textContent.trim() })));
      ui.input.placeholder = options.some((o) => o.selected) ? "继续添加…" : "不限；输入名称搜索";
    };
    const pick = () => {
      const q = norm(ui.input.value);
      if (!q) return false;
      const found = options.find((o) => !o.selected && norm(o.textContent) === q)
        || options.find((o) => !o.selected && norm(o.textContent).includes(q));
      if (found) { found.selected = true; ui.input.value = ""; render(); }
      return !!found;
    };
    ui.input.addEventListener("keydown", (e) => {
      if (e.key === "Enter") { e.preventDefault(); pick(); }
      if (e.key === "Backspace" && !ui.input.value) {
        const last = options.filter((o) => o.selected).pop();
        if (last) { last.selected = false; render(); }
      }
    });
    ui.input.addEventListener("change", pick);
    render();
  }

  function enhanceKeywords(textarea) {
    const suggestions = JSON.parse(textarea.dataset.keywordSuggestions || "[]");
    const ui = box(textarea, "关键词");
    const words = () => textarea.value.split(/[\n,，、;；]/).map((w) => w.trim()).filter(Boolean);
    const write = (list) => { textarea.value = [...new Set(list)].join("\n"); render(); };
    const render = () => {
      const current = words();
      ui.chips.replaceChildren(...current.map((w) => chip(w, () => { write(current.filter((x) => x !== w)); ui.input.focus(); })));
      ui.list.replaceChildren(...suggestions.filter((s) => !current.includes(s)).map((s) =>
        Object.assign(document.createElement("option"), { value: s })));
      ui.input.placeholder = "输入关键词，回车添加（可从分类关键词中选）";
    };
    const add = () => {
      const w = ui.input.value.trim();
      if (w) { write([...words(), ...w.split(/[,，、;；]/).map((x) => x.trim()).filter(Boolean)]); ui.input.value = ""; }
    };
    ui.input.addEventListener("keydown", (e) => {
      if (e.key === "Enter" || e.key === "，" || e.key === ",") { e.preventDefault(); add(); }
      if (e.key === "Backspace" && !ui.input.value) { write(words().slice(0, -1)); }
    });
    ui.input.addEventListener("blur", add);
    render();
  }

  function scan(root) {
    root.querySelectorAll("select[multiple][data-rule-picker]:not([data-enhanced])").forEach((el) => {
      el.dataset.enhanced = "1"; enhanceSelect(el);
    });
    root.querySelectorAll("textarea[data-keyword-suggestions]:not([data-enhanced])").forEach((el) => {
      el.dataset.enhanced = "1"; enhanceKeywords(el);
    });
  }
  const start = () => {
    scan(document);
    // Rows added with “添加规则行” come from a template: enhance them as they appear.
    new MutationObserver(() => scan(document)).observe(document.body, { childList: true, subtree: true });
  };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start); else start();
})();
