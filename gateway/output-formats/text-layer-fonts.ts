import { readFile } from "node:fs/promises";
import fontkit from "@pdf-lib/fontkit";
import type { PDFDocument, PDFFont } from "pdf-lib";

/** Vertical metrics as fractions of the font size (descent is negative). */
export interface FontMetrics {
  ascent: number;
  descent: number;
}

interface FontFile {
  file: string;
  bytes: Promise<Buffer>;
  codePoints: Promise<ReadonlySet<number>>;
  metrics: Promise<FontMetrics>;
}

function fontFile(file: string): FontFile {
  const cache: Partial<Omit<FontFile, "file">> = {};
  const bytes = (): Promise<Buffer> => {
    cache.bytes ??= readFile(new URL(`./assets/${file}`, import.meta.url));
    return cache.bytes;
  };
  let parsed: Promise<fontkit.Font> | undefined;
  const font = (): Promise<fontkit.Font> => {
    parsed ??= bytes().then((data) => fontkit.create(data));
    return parsed;
  };
  return {
    file,
    get bytes() {
      return bytes();
    },
    get codePoints() {
      cache.codePoints ??= font().then((parsedFont) => new Set(parsedFont.characterSet));
      return cache.codePoints;
    },
    get metrics() {
      cache.metrics ??= font().then(({ ascent, descent, unitsPerEm }) => ({
        ascent: ascent / unitsPerEm,
        descent: descent / unitsPerEm,
      }));
      return cache.metrics;
    },
  };
}

// Latin, Greek, Cyrillic and most alphabets first; CJK second. Read once per process, on first use.
const FONT_FILES = [fontFile("DejaVuSans.ttf"), fontFile("DroidSansFallback.ttf")];

/** A run of text that one font can show, with that font's metrics (viewers box text by them). */
export interface TextRun {
  text: string;
  font: PDFFont;
  metrics: FontMetrics;
}

/**
 * The fonts of one PDF's invisible text layer: each embedded (as a subset) only when some text needs it.
 * Characters neither font has are left out of the layer (they would copy out as nothing anyway).
 */
export class TextLayerFonts {
  readonly #document: PDFDocument;
  readonly #embedded = new Map<string, Promise<PDFFont>>();

  constructor(document: PDFDocument) {
    this.#document = document;
    document.registerFontkit(fontkit);
  }

  #embed(font: FontFile): Promise<PDFFont> {
    let embedded = this.#embedded.get(font.file);
    if (!embedded) {
      embedded = font.bytes.then((bytes) => this.#document.embedFont(bytes, { subset: true }));
      this.#embedded.set(font.file, embedded);
    }
    return embedded;
  }

  /** Splits `text` into runs, each in the first font that has its characters. */
  async runs(text: string): Promise<TextRun[]> {
    const coverage = await Promise.all(FONT_FILES.map((font) => font.codePoints));
    const runs: Array<{ text: string; font: number }> = [];
    for (const character of text) {
      const code = character.codePointAt(0) ?? 0;
      const font = coverage.findIndex((set) => set.has(code));
      if (font < 0) continue;
      const last = runs.at(-1);
      if (last && last.font === font) last.text += character;
      else runs.push({ text: character, font });
    }
    return Promise.all(
      runs.map(async (run) => {
        const file = FONT_FILES[run.font] as FontFile;
        return { text: run.text, font: await this.#embed(file), metrics: await file.metrics };
      }),
    );
  }
}
