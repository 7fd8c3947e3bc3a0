// Keyboard shortcuts: "/" focuses the page's search box (any input with data-shortcut="/").
document.addEventListener("keydown", (event) => {
  const target = event.target;
  const typing = target instanceof HTMLInputElement || target instanceof HTMLTextAreaElement || target instanceof HTMLSelectElement || target.isContentEditable;
  if (typing || event.ctrlKey || event.metaKey || event.altKey) return;
  const box = document.querySelector(`[data-shortcut="${event.key}"]`);
  if (box) {
    event.preventDefault();
    box.focus();
    box.select?.();
  }
});

// Selects marked data-autosubmit submit their form when changed (no inline handlers: the CSP forbids them).
document.addEventListener("change", (event) => {
  if (event.target instanceof HTMLSelectElement && event.target.dataset.autosubmit !== undefined) {
    event.target.form?.requestSubmit();
  }
});

// Polling elements marked data-poll-visible skip their refresh while the tab is hidden.
document.addEventListener("htmx:confirm", (event) => {
  if (document.hidden && event.detail.elt?.dataset?.pollVisible !== undefined) event.preventDefault();
});

// A case opened at #decision (the queue's "d" key) puts the keyboard in the decision form.
window.addEventListener("load", () => {
  if (window.location.hash === "#decision") document.querySelector("#decision-form select, #decision-form textarea")?.focus();
});
