// Export template: Copy puts the template on the clipboard.
// Loaded with the page (and again when htmx swaps it in): bind once.
(function () {
  "use strict";
  if (window.vnetlabExportCopy) return;
  window.vnetlabExportCopy = true;

  document.addEventListener("click", function (event) {
    const button = event.target.closest("[data-copy-target]");
    if (!button) return;
    const source = document.querySelector(button.getAttribute("data-copy-target"));
    const status = document.getElementById("export-copy-status");
    if (!source || !navigator.clipboard) return;
    navigator.clipboard.writeText(source.textContent).then(function () {
      if (status) status.textContent = "Copied to clipboard";
    });
  });
})();
