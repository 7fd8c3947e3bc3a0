// The criterion builder: the contract's criterion document is the state; the server validates it
// and renders it in plain language (POST preview) as the user edits.
(() => {
  const initial = JSON.parse(document.getElementById("builder-initial").textContent);
  const catalogue = initial.catalogue;
  const FIELDS = Object.fromEntries(catalogue.fields.map((f) => [f.name, f]));
  const MODES = ["sea", "air", "express", "postal", "road", "rail", "inland_water"];
  const csrf = JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"];
  let doc = initial.document;
  const $ = (selector) => document.querySelector(selector);
  const el = (tag, attrs = {}, ...children) => {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs)) {
      if (key === "class") node.className = value;
      else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
      else if (value !== undefined && value !== null && value !== false) node.setAttribute(key, value === true ? "" : value);
    }
    for (const child of children.flat()) node.append(child instanceof Node ? child : document.createTextNode(child));
    return node;
  };

  // ---- metadata fields ------------------------------------------------------------------------
  const form = $("#builder");
  const scope = form.querySelector("[name=scope]");
  initial.scopes.forEach((s) => scope.append(el("option", { value: s }, s === "eu" ? "EU common risk criterion" : "national risk profile")));
  const area = form.querySelector("[name=risk_area]");
  initial.risk_areas.forEach(([code, name]) => area.append(el("option", { value: code }, name)));
  const modes = $("#modes");
  MODES.forEach((mode) => modes.append(el("label", {}, el("input", { type: "checkbox", name: "modes", value: mode }), ` ${mode.replace("_", " ")}`)));

  function fillMeta() {
    for (const name of ["code", "title", "description", "weight"]) {
      form.querySelector(`[name=${name}]`).value = doc[name] ?? "";
    }
    // Validity as date pickers (the browser shows the user's own date format, not ISO text); a stored time of
    // day is kept while its day is not changed.
    for (const name of ["valid_from", "valid_to"]) form.querySelector(`[name=${name}]`).value = (doc[name] || "").slice(0, 10);
    form.querySelector("[name=code]").readOnly = initial.editing;
    scope.value = doc.scope;
    area.value = doc.risk_area;
    form.querySelector("[name=outcome]").value = doc.outcome;
    form.querySelector("[name=control_type]").value = doc.control_type || "";
    for (const name of ["legal_act", "financial_subtype", "control_stage"]) form.querySelector(`[name=${name}]`).value = doc[name] || "";
    for (const name of ["allows_aeo_facilitation", "shadow", "restricted"]) form.querySelector(`[name=${name}]`).checked = !!doc[name];
    const applies = doc.applies_to || {};
    form.querySelectorAll("[name=phases]").forEach((box) => { box.checked = (applies.phases || []).includes(box.value); });
    form.querySelectorAll("[name=modes]").forEach((box) => { box.checked = (applies.transport_modes || []).includes(box.value); });
  }

  function readMeta() {
    doc.code = form.querySelector("[name=code]").value.trim();
    doc.title = form.querySelector("[name=title]").value;
    doc.description = form.querySelector("[name=description]").value;
    doc.scope = scope.value;
    doc.risk_area = area.value;
    const weight = form.querySelector("[name=weight]").value;
    doc.weight = weight === "" ? null : Number(weight);
    doc.outcome = form.querySelector("[name=outcome]").value;
    doc.control_type = form.querySelector("[name=control_type]").value || null;
    for (const name of ["legal_act", "financial_subtype", "control_stage"]) doc[name] = form.querySelector(`[name=${name}]`).value.trim() || null;
    const moment = (name) => {
      const day = form.querySelector(`[name=${name}]`).value;
      if (!day) return null;
      return (doc[name] || "").slice(0, 10) === day ? doc[name] : `${day}T00:00:00+00:00`;
    };
    doc.valid_from = moment("valid_from") || "";
    doc.valid_to = moment("valid_to");
    for (const name of ["allows_aeo_facilitation", "shadow", "restricted"]) doc[name] = form.querySelector(`[name=${name}]`).checked;
    doc.applies_to = {
      phases: [...form.querySelectorAll("[name=phases]:checked")].map((box) => box.value),
      transport_modes: [...form.querySelectorAll("[name=modes]:checked")].map((box) => box.value),
    };
  }
  // Problems are shown for the fields the user has touched, and for all of them once a save was tried: a fresh
  // form is not a list of errors (adversarial probe, 7 December).
  const touched = new Set();
  let showAll = false;
  const touch = (event) => { if (event.target.name) touched.add(event.target.name); };
  form.querySelector(".builder-meta").addEventListener("input", (event) => { touch(event); readMeta(); schedulePreview(); });
  form.querySelector(".builder-meta").addEventListener("change", (event) => { touch(event); readMeta(); schedulePreview(); });
  for (const kind of ["input", "change", "click"]) $("#condition").addEventListener(kind, () => touched.add("condition"));
  const topField = (field) => (field || "").split(/[.[]/)[0];
  const shown = (errors) => (showAll ? errors : errors.filter((e) => (e.field ? touched.has(topField(e.field)) : touched.size > 0)));

  // ---- the condition tree ----------------------------------------------------------------------
  const operatorsFor = (field) => catalogue.operators.filter((op) => op.types.includes(FIELDS[field].type));
  const lookupKind = (field) => {
    if (field === "item.hs_code") return "hs";
    if (field === "office_of_first_entry") return "office";
    if (field.endsWith("country") || field.endsWith("country_of_origin") || field.endsWith("member_state") || field === "routing.countries") return "country";
    return null;
  };
  const newLeaf = () => ({ field: "item.hs_code", op: "starts_with", value: [] });
  const groupKind = (node) => ["all", "any", "not"].find((key) => key in node);

  function defaultValue(field, op) {
    const kind = catalogue.operators.find((o) => o.name === op).value;
    const type = FIELDS[field].type;
    if (kind === "none") return undefined;
    if (kind === "list") return [];
    if (kind === "pair") return [0, 0];
    if (kind === "watch_list") return initial.watch_lists.length ? initial.watch_lists[0][0] : "";
    if (type === "bool") return true;
    if (type === "number") return 0;
    return "";
  }

  function fieldSelect(node, rerender) {
    const select = el("select", { "aria-label": "Field", class: "field-select", onchange: () => {
      node.field = select.value;
      const allowed = operatorsFor(node.field).map((op) => op.name);
      if (!allowed.includes(node.op)) node.op = allowed[0];
      const value = defaultValue(node.field, node.op);
      if (value === undefined) delete node.value; else node.value = value;
      rerender();
    } });
    for (const [level, label] of [["declaration", "Declaration"], ["item", "Goods item"]]) {
      const group = el("optgroup", { label });
      catalogue.fields.filter((f) => f.level === level).forEach((f) => group.append(el("option", { value: f.name, selected: f.name === node.field }, f.label)));
      select.append(group);
    }
    return select;
  }

  function opSelect(node, rerender) {
    const select = el("select", { "aria-label": "Operator", class: "op-select", onchange: () => {
      node.op = select.value;
      const value = defaultValue(node.field, node.op);
      if (value === undefined) delete node.value; else node.value = value;
      rerender();
    } });
    operatorsFor(node.field).forEach((op) => select.append(el("option", { value: op.name, selected: op.name === node.op }, op.label)));
    return select;
  }

  let listCounter = 0;
  function suggestions(input, field) {
    const kind = lookupKind(field);
    if (!kind) return null;
    const id = `suggest-${++listCounter}`;
    const datalist = el("datalist", { id });
    input.setAttribute("list", id);
    let timer;
    input.addEventListener("input", () => {
      clearTimeout(timer);
      timer = setTimeout(async () => {
        const response = await fetch(`${initial.urls.lookup}?kind=${kind}&q=${encodeURIComponent(input.value)}`);
        const data = await response.json();
        datalist.replaceChildren(...(data.results || []).map((item) => el("option", { value: item.value }, `${item.value} ${item.label}`)));
      }, 200);
    });
    return datalist;
  }

  function valueEditor(node, rerender) {
    const op = catalogue.operators.find((o) => o.name === node.op);
    const type = FIELDS[node.field].type;
    const parse = (text) => (type === "number" ? Number(text) : text);
    if (op.value === "none") return el("span");
    if (op.value === "watch_list") {
      const select = el("select", { "aria-label": "Watch list", onchange: () => { node.value = select.value; schedulePreview(); } });
      initial.watch_lists.forEach(([code, name]) => select.append(el("option", { value: code, selected: code === node.value }, `${code} (${name})`)));
      return select;
    }
    if (op.value === "pair") {
      const pair = Array.isArray(node.value) ? node.value : [0, 0];
      node.value = pair;
      const input = (index, label) => el("input", { type: "number", step: "any", value: pair[index], "aria-label": label, class: "short", oninput: (event) => { pair[index] = Number(event.target.value); schedulePreview(); } });
      return el("span", {}, input(0, "from"), " and ", input(1, "to"));
    }
    if (op.value === "scalar") {
      if (type === "bool") {
        const select = el("select", { "aria-label": "Value", onchange: () => { node.value = select.value === "true"; schedulePreview(); } });
        select.append(el("option", { value: "true", selected: node.value === true }, "true"), el("option", { value: "false", selected: node.value === false }, "false"));
        return select;
      }
      const input = el("input", { type: type === "number" ? "number" : "text", step: "any", value: node.value ?? "", "aria-label": "Value", class: "value-input", oninput: () => { node.value = parse(input.value); schedulePreview(); } });
      return el("span", {}, input, suggestions(input, node.field) || "");
    }
    // a list: chips plus an input that adds a value on Enter (or comma)
    if (!Array.isArray(node.value)) node.value = [];
    const chips = el("span", { class: "chips-inline" });
    node.value.forEach((value, index) => chips.append(el("span", { class: "chip" }, String(value), el("button", { type: "button", class: "chip-x", "aria-label": `Remove ${value}`, onclick: () => { node.value.splice(index, 1); rerender(); } }, "×"))));
    const input = el("input", { type: "text", class: "chip-input", placeholder: "type, Enter to add", "aria-label": "Add a value" });
    const add = () => {
      const parts = input.value.split(",").map((part) => part.trim()).filter(Boolean);
      if (!parts.length) return false;
      node.value.push(...parts.map(parse));
      input.value = "";
      rerender(input);
      return true;
    };
    input.addEventListener("keydown", (event) => {
      if (event.key === "Enter" || event.key === ",") { event.preventDefault(); add(); }
      if (event.key === "Backspace" && !input.value && node.value.length) { node.value.pop(); rerender(input); }
    });
    input.addEventListener("change", () => { if (input.value.trim()) add(); });
    return el("span", {}, chips, input, suggestions(input, node.field) || "");
  }

  function renderNode(node, path, onRemove, replace) {
    const kind = groupKind(node);
    if (!kind) {
      const box = el("div", { class: "leaf", "data-path": path });
      const rerender = (focusFrom) => { const fresh = renderNode(node, path, onRemove, replace); box.replaceWith(fresh); if (focusFrom) fresh.querySelector(".chip-input")?.focus(); schedulePreview(); };
      box.append(fieldSelect(node, rerender), opSelect(node, rerender), valueEditor(node, rerender));
      if (onRemove) box.append(el("button", { type: "button", class: "icon secondary outline", "aria-label": "Remove condition", onclick: onRemove }, "✕"));
      return box;
    }
    const box = el("div", { class: `group group-${kind}`, "data-path": path });
    const children = kind === "not" ? [node.not] : node[kind];
    const kindSelect = el("select", { "aria-label": "Group type", class: "group-kind", onchange: () => {
      const next = kindSelect.value;
      const members = kind === "not" ? [node.not] : node[kind];
      delete node[kind];
      if (next === "not") node.not = members[0] || newLeaf(); else node[next] = members.length ? members : [newLeaf()];
      refresh();
    } });
    [["all", "All of these"], ["any", "Any of these"], ["not", "Not"]].forEach(([value, label]) => kindSelect.append(el("option", { value, selected: value === kind }, label)));
    const head = el("div", { class: "group-head" }, kindSelect);
    if (kind !== "not") {
      head.append(
        el("button", { type: "button", class: "secondary outline small", onclick: () => { node[kind].push(newLeaf()); refresh(); } }, "+ condition"),
        el("button", { type: "button", class: "secondary outline small", onclick: () => { node[kind].push({ any: [newLeaf()] }); refresh(); } }, "+ group"),
      );
    }
    if (onRemove) head.append(el("button", { type: "button", class: "icon secondary outline", "aria-label": "Remove group", onclick: onRemove }, "✕"));
    box.append(head);
    const list = el("div", { class: "children" });
    children.forEach((child, index) => {
      const childPath = kind === "not" ? `${path}.not` : `${path}.${kind}[${index}]`;
      const remove = kind === "not" ? null : () => { node[kind].splice(index, 1); if (!node[kind].length) node[kind].push(newLeaf()); refresh(); };
      list.append(renderNode(child, childPath, remove));
    });
    box.append(list);
    return box;
  }

  function refresh() {
    if (!groupKind(doc.condition)) doc.condition = { all: [doc.condition] };
    $("#condition").replaceChildren(renderNode(doc.condition, "condition", null));
    schedulePreview();
  }

  // ---- preview: plain language and validation from the server ---------------------------------------
  let previewTimer;
  function schedulePreview() { clearTimeout(previewTimer); previewTimer = setTimeout(preview, 250); }
  async function post(url, body) {
    return fetch(url, { method: "POST", headers: { "Content-Type": "application/json", "X-CSRFToken": csrf }, body: JSON.stringify(body) });
  }
  function showErrors(errors) {
    document.querySelectorAll("#builder .invalid").forEach((node) => node.classList.remove("invalid"));
    $("#errors").replaceChildren(...errors.map((e) => el("li", {}, el("code", {}, e.field || "criterion"), ` ${e.message}`)));
    for (const e of errors) {
      if (!e.field) continue;
      let best = null;
      document.querySelectorAll("#condition [data-path]").forEach((node) => { if (e.field === node.dataset.path || e.field.startsWith(`${node.dataset.path}.`)) best = node; });
      if (best) best.classList.add("invalid");
      else form.querySelector(`[name=${e.field.split(".")[0]}]`)?.classList.add("invalid");
    }
  }
  async function preview() {
    const response = await post(initial.urls.preview, doc);
    const data = await response.json();
    $("#plain-scope").textContent = data.scope || "";
    $("#plain-condition").textContent = data.plain || "";
    showErrors(shown(data.errors || []));
  }

  // ---- save, export, import ------------------------------------------------------------------------
  $("#save").addEventListener("click", async () => {
    readMeta();
    showAll = true;
    $("#save-status").textContent = "Saving…";
    const response = await post(initial.urls.save, doc);
    const data = await response.json();
    if (response.ok) { window.location = data.url; return; }
    $("#save-status").textContent = "Not saved: see the problems below.";
    showErrors(data.errors || []);
  });
  const dialog = $("#json-dialog");
  $("#export").addEventListener("click", () => { readMeta(); $("#json-text").value = JSON.stringify(doc, null, 2); dialog.showModal(); });
  $("#import").addEventListener("click", () => { $("#json-text").value = ""; dialog.showModal(); $("#json-text").focus(); });
  $("#json-close").addEventListener("click", () => dialog.close());
  $("#json-load").addEventListener("click", () => {
    try {
      const loaded = JSON.parse($("#json-text").value);
      doc = { ...doc, ...loaded };
      showAll = true;
      dialog.close();
      fillMeta();
      refresh();
    } catch (error) {
      $("#json-text").setCustomValidity("Not valid JSON");
      $("#json-text").reportValidity();
    }
  });

  fillMeta();
  refresh();
})();
