// Keyboard triage on the hit queue: j/k move the selected row, Enter opens its case, c claims it,
// d opens its case at the decision form. The selection is kept by case id, so it survives the
// live refresh (HTMX replaces the rows every few seconds); if the case left the queue, the row now
// at the same position is selected.
(() => {
  let selectedId = null;
  let selectedIndex = 0;

  const rows = () => Array.from(document.querySelectorAll("table.queue tbody tr[data-case-url]"));

  function select(index, { scroll = true } = {}) {
    const all = rows();
    if (!all.length) {
      selectedId = null;
      return;
    }
    selectedIndex = Math.max(0, Math.min(all.length - 1, index));
    all.forEach((row) => {
      row.classList.remove("selected");
      row.removeAttribute("aria-selected");
    });
    const row = all[selectedIndex];
    row.classList.add("selected");
    row.setAttribute("aria-selected", "true");
    selectedId = row.id;
    if (scroll) row.scrollIntoView({ block: "nearest" });
  }

  function restore() {
    const all = rows();
    const again = selectedId ? all.findIndex((row) => row.id === selectedId) : -1;
    if (selectedId !== null || all.length) select(again >= 0 ? again : selectedIndex, { scroll: false });
  }

  function current() {
    return selectedId ? document.getElementById(selectedId) : null;
  }

  document.addEventListener("keydown", (event) => {
    const target = event.target;
    const typing = target instanceof HTMLInputElement || target instanceof HTMLTextAreaElement || target instanceof HTMLSelectElement || target.isContentEditable;
    if (typing || event.ctrlKey || event.metaKey || event.altKey || !document.querySelector("table.queue")) return;
    const row = current();
    if (event.key === "j") select(row ? selectedIndex + 1 : 0);
    else if (event.key === "k") select(row ? selectedIndex - 1 : 0);
    else if (event.key === "Enter" && row && !(target instanceof HTMLAnchorElement || target instanceof HTMLButtonElement)) {
      window.location.assign(row.dataset.caseUrl);
    } else if (event.key === "c" && row) {
      row.querySelector("form.claim-form")?.requestSubmit();
    } else if (event.key === "d" && row) {
      window.location.assign(`${row.dataset.caseUrl}#decision`);
    } else return;
    event.preventDefault();
  });

  // The live refresh polls the address the filters pushed (hx-push-url), not the one the page was built with.
  document.addEventListener("htmx:configRequest", (event) => {
    if (event.detail.elt?.id === "queue") {
      event.detail.path = window.location.pathname + window.location.search;
    }
  });
  document.addEventListener("htmx:afterSwap", (event) => {
    if (event.detail.target?.id === "queue") restore();
  });
})();

// Saving filters saves what the queue shows now: the filters change the address (hx-push-url), not the form.
document.addEventListener("submit", (event) => {
  if (event.target.id === "save-filter") event.target.elements.query.value = window.location.search.slice(1);
});
