/**
 * @typedef {{ name: string, type: "string" | "string_list" | "enum", required?: boolean, description?: string,
 *   values?: string[], default?: string | string[] }} TaskVariable
 * @typedef {{ name: string, description?: string, default_language?: string, languages: string[],
 *   parser?: string, structured_output?: boolean, available: boolean, ignored_options: string[],
 *   variables: TaskVariable[] }} TaskInfo
 */

// Variables `/v1/ocr` takes as top-level form fields; any other variable goes into the `variables` JSON.
const TOP_LEVEL_VARIABLES = new Set(["fields", "target_language", "table_format", "key"]);
const LANGUAGE_NAMES = /** @type {Record<string, string>} */ ({ zh: "Chinese (zh)", en: "English (en)" });

/** @param {string} name */
function humanName(name) {
  const words = name.replaceAll("_", " ");
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/**
 * @param {HTMLSelectElement} select
 * @param {Array<{ value: string, label: string, disabled?: boolean }>} options
 * @param {string | undefined} selected
 */
function fillSelect(select, options, selected) {
  select.replaceChildren(
    ...options.map(({ value, label, disabled }) => {
      const option = new Option(label, value, false, value === selected);
      option.disabled = disabled === true;
      return option;
    }),
  );
}

/**
 * @param {TaskVariable} variable
 * @returns {HTMLElement}
 */
function variableControl(variable) {
  const wrapper = document.createElement("div");
  wrapper.className = "variable";
  const id = `variable-${variable.name}`;
  const label = document.createElement("label");
  label.htmlFor = id;
  label.textContent = `${humanName(variable.name)}${variable.required ? " (required)" : ""}`;
  /** @type {HTMLInputElement | HTMLSelectElement} */
  let control;
  if (variable.type === "enum") {
    control = document.createElement("select");
    const values = variable.values ?? [];
    fillSelect(
      control,
      values.map((value) => ({ value, label: LANGUAGE_NAMES[value] ?? value })),
      typeof variable.default === "string" ? variable.default : values[0],
    );
  } else {
    control = document.createElement("input");
    control.type = "text";
    control.autocomplete = "off";
    if (variable.type === "string_list") control.placeholder = "e.g. company, date, total";
    if (Array.isArray(variable.default)) control.value = variable.default.join(", ");
    else if (typeof variable.default === "string") control.value = variable.default;
  }
  control.id = id;
  control.dataset.variable = variable.name;
  control.dataset.type = variable.type;
  if (variable.required) control.setAttribute("aria-required", "true");
  wrapper.append(label, control);
  if (variable.description) {
    const hint = document.createElement("p");
    hint.className = "hint";
    hint.id = `${id}-hint`;
    hint.textContent =
      variable.type === "string_list" ? `${variable.description} Comma-separated.` : variable.description;
    control.setAttribute("aria-describedby", hint.id);
    wrapper.append(hint);
  }
  return wrapper;
}

/**
 * Fills the task picker. Tasks the backend does not run (`available: false` in `/v1/tasks`) stay listed but
 * disabled, so the user sees what another backend would add.
 * @param {HTMLSelectElement} select
 * @param {TaskInfo[]} tasks
 * @param {string | null} backend
 */
export function fillTaskSelect(select, tasks, backend) {
  const preferred =
    tasks.find((task) => task.name === "text" && task.available) ?? tasks.find((task) => task.available);
  fillSelect(
    select,
    tasks.map((task) => ({
      value: task.name,
      label: task.available
        ? task.name
        : `${task.name} (not available with the ${backend ?? "current"} backend)`,
      disabled: !task.available,
    })),
    preferred?.name,
  );
}

/**
 * Shows the controls of `task`: its prompt languages and one control per variable (unless the backend
 * ignores them), and the schema box for structured tasks.
 * @param {TaskInfo} task
 * @param {{ description: HTMLElement, language: HTMLSelectElement, languageControl: HTMLElement,
 *   variables: HTMLElement, schema: HTMLElement }} parts
 */
export function showTaskControls(task, parts) {
  parts.description.textContent = task.description ?? "";
  parts.languageControl.hidden = task.ignored_options.includes("language");
  fillSelect(
    parts.language,
    task.languages.map((language) => ({ value: language, label: LANGUAGE_NAMES[language] ?? language })),
    task.default_language ?? task.languages[0],
  );
  // A variable the backend ignores (e.g. `table_format` on the CPU engine's document layout) is not offered.
  parts.variables.replaceChildren(
    ...task.variables
      .filter((variable) => !task.ignored_options.includes(variable.name))
      .map(variableControl),
  );
  parts.schema.hidden = task.structured_output !== true;
}

/**
 * Adds the task's settings to the `/v1/ocr` form: `task`, `language`, each variable that has a value, and the
 * schema when one was typed.
 * @param {FormData} form
 * @param {TaskInfo} task
 * @param {{ language: HTMLSelectElement, variables: HTMLElement, schema: HTMLElement }} parts
 */
export function appendTaskFields(form, task, parts) {
  form.append("task", task.name);
  if (parts.language.value && !task.ignored_options.includes("language")) {
    form.append("language", parts.language.value);
  }
  /** @type {Record<string, string | string[]>} */
  const others = {};
  for (const control of parts.variables.querySelectorAll("[data-variable]")) {
    const input = /** @type {HTMLInputElement | HTMLSelectElement} */ (control);
    const name = input.dataset.variable ?? "";
    const value = input.value.trim();
    if (value === "") continue;
    if (TOP_LEVEL_VARIABLES.has(name)) form.append(name, value);
    else if (input.dataset.type === "string_list") others[name] = value.split(",").map((item) => item.trim());
    else others[name] = value;
  }
  if (Object.keys(others).length > 0) form.append("variables", JSON.stringify(others));
  const schema = parts.schema.querySelector("textarea")?.value.trim() ?? "";
  if (!parts.schema.hidden && schema !== "") form.append("schema", schema);
}
