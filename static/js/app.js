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
