const STORAGE_KEY = "ocr-gateway.api-key";

/** @param {"localStorage" | "sessionStorage"} kind */
function storage(kind) {
  try {
    return window[kind];
  } catch {
    // storage can be disabled (privacy settings): the key then lives only in memory
    return null;
  }
}

/**
 * Where the API key lives: `sessionStorage` (this tab, until it is closed) or, when the user asks to be
 * remembered, `localStorage`. Falls back to memory when storage is unavailable.
 */
export function createApiKeyStore() {
  /** @type {string | null} */
  let memory = null;
  return {
    /** @returns {string | null} */
    get() {
      return (
        storage("sessionStorage")?.getItem(STORAGE_KEY) ??
        storage("localStorage")?.getItem(STORAGE_KEY) ??
        memory
      );
    },
    /** @param {string} key @param {boolean} remember */
    set(key, remember) {
      this.clear();
      memory = key;
      (remember ? storage("localStorage") : storage("sessionStorage"))?.setItem(STORAGE_KEY, key);
    },
    clear() {
      memory = null;
      storage("sessionStorage")?.removeItem(STORAGE_KEY);
      storage("localStorage")?.removeItem(STORAGE_KEY);
    },
  };
}
