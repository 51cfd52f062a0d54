const STEPS = [1, 1.5, 2, 3, 4];

/**
 * Zoom buttons for the page preview: the page frame is drawn at `--zoom` times the column's width inside a
 * scrolling box. Boxes are placed in percent of the page, so they follow without being redrawn.
 * @param {{ controls: HTMLElement, scroller: HTMLElement, level: HTMLOutputElement }} parts
 */
export function setupPageZoom({ controls, scroller, level }) {
  let step = 0;
  function apply() {
    const zoom = STEPS[step] ?? 1;
    scroller.style.setProperty("--zoom", String(zoom));
    scroller.classList.toggle("zoomed", zoom > 1);
    level.value = `${Math.round(zoom * 100)}%`;
    for (const button of controls.querySelectorAll("button")) {
      const action = button.getAttribute("data-zoom");
      button.disabled =
        action === "out" || action === "fit" ? step === 0 : action === "in" && step === STEPS.length - 1;
    }
  }
  controls.addEventListener("click", (event) => {
    const action = /** @type {HTMLElement} */ (event.target).closest("button")?.getAttribute("data-zoom");
    if (action === "in") step = Math.min(STEPS.length - 1, step + 1);
    else if (action === "out") step = Math.max(0, step - 1);
    else if (action === "fit") step = 0;
    else return;
    apply();
  });
  apply();
  return {
    /** Shows the controls (a page is previewed) or hides them, back at 100 %. @param {boolean} visible */
    show(visible) {
      controls.hidden = !visible;
      step = 0;
      apply();
    },
  };
}
