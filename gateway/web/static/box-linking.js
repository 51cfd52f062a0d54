/**
 * Links each spotting box to its text line: pointing at (or focusing) one highlights both. Boxes and lines
 * carry the same `data-link` ("<page>:<box>"), so one listener on a common ancestor serves every page.
 * @param {HTMLElement} root an element containing the page previews and the text views
 */
export function linkBoxesAndLines(root) {
  /** @type {string | null} */
  let current = null;
  /** @param {string | null} link */
  function highlight(link) {
    if (link === current) return;
    for (const node of root.querySelectorAll(".linked")) node.classList.remove("linked");
    current = link;
    if (link == null) return;
    for (const node of root.querySelectorAll(`[data-link="${CSS.escape(link)}"]`))
      node.classList.add("linked");
  }
  /** @param {Event} event */
  const follow = (event) =>
    highlight(
      /** @type {HTMLElement} */ (event.target).closest("[data-link]")?.getAttribute("data-link") ?? null,
    );
  root.addEventListener("pointerover", follow);
  root.addEventListener("focusin", follow);
  root.addEventListener("pointerleave", () => highlight(null));
}
