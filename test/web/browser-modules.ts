// The UI's modules are plain browser JavaScript (no build step), so tests load them by URL and state the
// part of their API they use here.

/** One Server-Sent Event as the UI's parser reports it. */
export interface SseMessage {
  event: string;
  data: string;
}

interface SseParserModule {
  createSseParser(onMessage: (message: SseMessage) => void): { push(text: string): void; end(): void };
}

interface MarkdownModule {
  renderMarkdown(markdown: string): string;
}

interface TableSanitizerModule {
  sanitizeTableHtml(html: string): string;
}

const STATIC = new URL("../../gateway/web/static/", import.meta.url);

async function load<T>(name: string): Promise<T> {
  return (await import(new URL(name, STATIC).href)) as T;
}

export const loadSseParser = () => load<SseParserModule>("sse-parser.js");
export const loadMarkdown = () => load<MarkdownModule>("markdown.js");
export const loadTableSanitizer = () => load<TableSanitizerModule>("html-table-sanitizer.js");
