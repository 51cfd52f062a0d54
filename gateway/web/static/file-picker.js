/**
 * The first file of a paste, if any (an image copied from another app arrives as a clipboard file).
 * @param {ClipboardEvent} event
 */
function pastedFile(event) {
  const items = event.clipboardData?.items ?? [];
  for (const item of items) {
    if (item.kind === "file") return item.getAsFile();
  }
  return null;
}

/**
 * Wires the drop zone (a button: click, Enter and Space open the file picker), drag and drop onto it or
 * anywhere on the page, and pasting a file anywhere on the page.
 * @param {{ dropZone: HTMLElement, input: HTMLInputElement, onFile: (file: File) => void }} parts
 */
export function setupFilePicker({ dropZone, input, onFile }) {
  dropZone.addEventListener("click", () => input.click());
  input.addEventListener("change", () => {
    const file = input.files?.[0];
    if (file) onFile(file);
  });

  let dragDepth = 0;
  document.addEventListener("dragenter", (event) => {
    if (!event.dataTransfer?.types.includes("Files")) return;
    dragDepth++;
    dropZone.classList.add("dragging");
  });
  document.addEventListener("dragleave", () => {
    dragDepth = Math.max(0, dragDepth - 1);
    if (dragDepth === 0) dropZone.classList.remove("dragging");
  });
  // Without preventDefault on dragover the browser would open a dropped file instead of handing it to us.
  document.addEventListener("dragover", (event) => event.preventDefault());
  document.addEventListener("drop", (event) => {
    event.preventDefault();
    dragDepth = 0;
    dropZone.classList.remove("dragging");
    const file = event.dataTransfer?.files[0];
    if (file) onFile(file);
  });

  document.addEventListener("paste", (event) => {
    const file = pastedFile(event);
    if (file == null) return;
    event.preventDefault();
    onFile(file);
  });
}
