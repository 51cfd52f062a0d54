import { ApiError, createApiClient } from "./api-client.js";
import { createApiKeyStore } from "./api-key-store.js";
import { linkBoxesAndLines } from "./box-linking.js";
import { setupFilePicker } from "./file-picker.js";
import { copyText, downloadJson } from "./json-export.js";
import { toZeroBasedPages } from "./page-numbers.js";
import { setupPageZoom } from "./page-zoom.js";
import { createResultView, textKindOf } from "./result-view.js";
import { appendTaskFields, fillTaskSelect, showTaskControls } from "./task-form.js";

/**
 * @typedef {import("./task-form.js").TaskInfo} TaskInfo
 * @typedef {import("./result-view.js").PageResult} PageResult
 */

/**
 * @template {HTMLElement} T
 * @param {string} id
 * @returns {T}
 */
function byId(id) {
  const node = document.getElementById(id);
  if (node == null) throw new Error(`#${id} is missing from the page`);
  return /** @type {T} */ (node);
}

const ui = {
  backendStatus: byId("backend-status"),
  readyStatus: byId("ready-status"),
  keyButton: /** @type {HTMLButtonElement} */ (byId("key-button")),
  keyPanel: byId("key-panel"),
  keyReason: byId("key-reason"),
  keyForm: /** @type {HTMLFormElement} */ (byId("key-form")),
  keyInput: /** @type {HTMLInputElement} */ (byId("key-input")),
  keyRemember: /** @type {HTMLInputElement} */ (byId("key-remember")),
  keyForget: /** @type {HTMLButtonElement} */ (byId("key-forget")),
  keyClose: /** @type {HTMLButtonElement} */ (byId("key-close")),
  form: /** @type {HTMLFormElement} */ (byId("ocr-form")),
  fileInput: /** @type {HTMLInputElement} */ (byId("file-input")),
  dropZone: /** @type {HTMLButtonElement} */ (byId("drop-zone")),
  dropLabel: byId("drop-label"),
  task: /** @type {HTMLSelectElement} */ (byId("task-select")),
  taskDescription: byId("task-description"),
  language: /** @type {HTMLSelectElement} */ (byId("language-select")),
  languageControl: byId("language-control"),
  variables: byId("variable-controls"),
  schema: byId("schema-control"),
  pages: /** @type {HTMLInputElement} */ (byId("pages-input")),
  stream: /** @type {HTMLInputElement} */ (byId("stream-toggle")),
  run: /** @type {HTMLButtonElement} */ (byId("run-button")),
  stop: /** @type {HTMLButtonElement} */ (byId("stop-button")),
  results: byId("results"),
  errorBox: byId("error-box"),
  runStatus: byId("run-status"),
  runSummary: byId("run-summary"),
  actions: byId("result-actions"),
  copy: /** @type {HTMLButtonElement} */ (byId("copy-json")),
  download: /** @type {HTMLButtonElement} */ (byId("download-json")),
};

const keys = createApiKeyStore();
const api = createApiClient(() => keys.get());
const view = createResultView({
  preview: byId("preview"),
  pagesView: byId("pages-view"),
  fieldsView: byId("fields-view"),
});
const zoom = setupPageZoom({
  controls: byId("zoom-controls"),
  scroller: byId("preview"),
  level: /** @type {HTMLOutputElement} */ (byId("zoom-level")),
});
linkBoxesAndLines(ui.results);

/** @type {{ tasks: TaskInfo[], backend: string | null, file: File | null, result: unknown, running: AbortController | null, afterKey: (() => void) | null }} */
const state = { tasks: [], backend: null, file: null, result: null, running: null, afterKey: null };

/** @param {unknown} error */
function showError(error) {
  ui.errorBox.replaceChildren();
  if (error instanceof ApiError) {
    const message = document.createElement("p");
    message.textContent = error.message;
    const details = document.createElement("p");
    details.className = "error-details";
    const parts = [];
    if (error.code) parts.push(`code: ${error.code}`);
    if (error.type) parts.push(`type: ${error.type}`);
    if (error.status) parts.push(`HTTP ${error.status}`);
    else if (error.status === null) parts.push("reported in the stream");
    if (error.requestId) parts.push(`request id: ${error.requestId}`);
    details.textContent = parts.join(" · ");
    ui.errorBox.append(message, details);
  } else {
    ui.errorBox.textContent = error instanceof Error ? error.message : String(error);
  }
  ui.errorBox.hidden = false;
}

function clearError() {
  ui.errorBox.hidden = true;
  ui.errorBox.replaceChildren();
}

/**
 * Opens the API key panel, saying why, and remembers what to retry once a key is given.
 * @param {string} reason
 * @param {(() => void) | null} retry
 */
function askForKey(reason, retry) {
  state.afterKey = retry;
  ui.keyReason.textContent = reason;
  ui.keyPanel.hidden = false;
  ui.keyInput.value = "";
  ui.keyInput.focus();
}

/**
 * Runs `action`; a 401 opens the key panel and retries it after the key is saved.
 * @param {() => Promise<void>} action
 */
async function withKeyPrompt(action) {
  try {
    await action();
  } catch (error) {
    if (error instanceof ApiError && error.needsKey) {
      const reason =
        error.code === "invalid_api_key"
          ? "The gateway rejected this API key. Enter a valid one."
          : "This gateway needs an API key.";
      askForKey(reason, () => void withKeyPrompt(action));
      return;
    }
    throw error;
  }
}

async function loadCatalog() {
  const [models, tasks] = await Promise.all([api.models(), api.tasks()]);
  const served =
    models.find((/** @type {{ parent: string | null }} */ model) => model.parent == null) ?? models[0];
  state.backend = served?.backend ?? null;
  state.tasks = tasks;
  ui.backendStatus.textContent = served ? `Model ${served.id} · backend ${state.backend}` : "No model";
  fillTaskSelect(ui.task, tasks, state.backend);
  onTaskChange();
}

const READY_POLL_MS = 15_000;

/** Shows `/ready` in the header: whether the backend can take work now. */
async function showReadiness() {
  try {
    const { ready, backend } = await api.ready();
    ui.readyStatus.textContent = ready ? `${backend} ready` : `${backend} not ready`;
    ui.readyStatus.dataset.ready = String(ready);
  } catch {
    ui.readyStatus.textContent = "gateway unreachable";
    ui.readyStatus.dataset.ready = "false";
  }
}

function selectedTask() {
  return state.tasks.find((task) => task.name === ui.task.value) ?? null;
}

function onTaskChange() {
  const task = selectedTask();
  if (task) {
    showTaskControls(task, {
      description: ui.taskDescription,
      language: ui.language,
      languageControl: ui.languageControl,
      variables: ui.variables,
      schema: ui.schema,
    });
  }
}

/** @param {File} file */
function chooseFile(file) {
  state.file = file;
  ui.dropLabel.textContent = `${file.name} (${Math.ceil(file.size / 1024)} KiB) — choose another`;
  view.reset();
  zoom.show(view.showPreview(file));
  clearError();
}

/** On a narrow screen the result is below the form: bring it into view when a read starts. */
function revealResults() {
  if (ui.results.getBoundingClientRect().top > window.innerHeight / 2) {
    ui.results.scrollIntoView({ block: "start" });
  }
}

/** @param {number} ms */
function seconds(ms) {
  return `${(ms / 1000).toFixed(2)} s`;
}

/**
 * @param {boolean} running
 */
function setRunning(running) {
  ui.run.disabled = running;
  ui.stop.disabled = !running;
  ui.results.setAttribute("aria-busy", String(running));
}

async function runOcr() {
  const task = selectedTask();
  if (state.file == null || task == null) {
    showError(new Error(state.file == null ? "Choose an image or PDF first." : "Choose a task first."));
    if (state.file == null) ui.dropZone.focus();
    return;
  }
  const form = new FormData();
  form.append("file", state.file, state.file.name);
  appendTaskFields(form, task, { language: ui.language, variables: ui.variables, schema: ui.schema });
  if (ui.pages.value.trim() !== "") {
    try {
      form.append("pages", toZeroBasedPages(ui.pages.value));
    } catch (error) {
      showError(error);
      ui.pages.focus();
      return;
    }
  }
  if (ui.stream.checked) form.append("stream", "true");

  clearError();
  view.reset(textKindOf(task.parser));
  revealResults();
  state.result = null;
  ui.actions.hidden = true;
  ui.runSummary.textContent = "";
  const controller = new AbortController();
  state.running = controller;
  setRunning(true);
  ui.runStatus.textContent = `Reading with task ${task.name}…`;
  const started = performance.now();
  /** @type {number | null} */
  let firstText = null;
  try {
    const { result, backend } = await api.ocr(form, {
      signal: controller.signal,
      onEvent(name, data) {
        const event = /** @type {{ index: number, text: string, reason: string }} */ (data);
        if (name === "page.start") view.startPage(event.index);
        else if (name === "delta") {
          firstText ??= performance.now() - started;
          view.appendDelta(event.index, event.text);
        } else if (name === "page.retry") view.retryPage(event.index, event.reason);
        else if (name === "page.done") view.finishPage(/** @type {PageResult} */ (data));
      },
    });
    const total = performance.now() - started;
    state.result = result;
    for (const page of /** @type {PageResult[]} */ (result.pages ?? [])) view.finishPage(page);
    view.showFields(result.fields);
    const pageCount = result.pages?.length ?? 0;
    const parts = [
      `Answered by ${result.backend ?? backend ?? "unknown backend"}`,
      `in ${seconds(total)}`,
      ...(firstText != null ? [`first text after ${seconds(firstText)}`] : []),
      `${pageCount} page${pageCount === 1 ? "" : "s"}`,
      ...(result.usage?.total_tokens ? [`${result.usage.total_tokens} tokens`] : []),
    ];
    ui.runStatus.textContent = "";
    ui.runSummary.textContent = parts.join(" · ");
    ui.runSummary.dataset.backend = result.backend ?? backend ?? "";
    ui.actions.hidden = false;
  } catch (error) {
    if (controller.signal.aborted) ui.runStatus.textContent = "Stopped.";
    else {
      ui.runStatus.textContent = "";
      if (error instanceof ApiError && error.needsKey) throw error;
      showError(error);
    }
  } finally {
    state.running = null;
    setRunning(false);
  }
}

ui.task.addEventListener("change", onTaskChange);
ui.form.addEventListener("submit", (event) => {
  event.preventDefault();
  void withKeyPrompt(runOcr).catch(showError);
});
ui.stop.addEventListener("click", () => state.running?.abort());

ui.keyButton.addEventListener("click", () => askForKey("", null));
function closeKeyPanel() {
  ui.keyPanel.hidden = true;
  ui.keyButton.focus();
}
ui.keyClose.addEventListener("click", closeKeyPanel);
ui.keyPanel.addEventListener("keydown", (event) => {
  if (event.key === "Escape") closeKeyPanel();
});
ui.keyForget.addEventListener("click", () => {
  keys.clear();
  ui.keyReason.textContent = "The key was removed from this browser.";
});
ui.keyForm.addEventListener("submit", (event) => {
  event.preventDefault();
  const key = ui.keyInput.value.trim();
  if (key === "") return;
  keys.set(key, ui.keyRemember.checked);
  ui.keyPanel.hidden = true;
  ui.keyInput.value = "";
  const retry = state.afterKey;
  state.afterKey = null;
  retry?.();
});

ui.copy.addEventListener("click", async () => {
  const copied = await copyText(JSON.stringify(state.result, null, 2));
  ui.runStatus.textContent = copied ? "JSON copied to the clipboard." : "Copying failed; use Download JSON.";
});
ui.download.addEventListener("click", () => {
  const base = (state.file?.name ?? "document").replace(/\.[^.]+$/, "");
  downloadJson(state.result, `${base}.ocr.json`);
});

setupFilePicker({ dropZone: ui.dropZone, input: ui.fileInput, onFile: chooseFile });
void withKeyPrompt(loadCatalog).catch((error) => {
  ui.backendStatus.textContent = "Gateway unavailable";
  showError(error);
});
void showReadiness();
setInterval(() => void showReadiness(), READY_POLL_MS);
