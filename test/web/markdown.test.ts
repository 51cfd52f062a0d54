import { describe, expect, it } from "vitest";
import { loadMarkdown, loadTableSanitizer } from "./browser-modules.ts";

const { renderMarkdown } = await loadMarkdown();
const { sanitizeTableHtml } = await loadTableSanitizer();

describe("renderMarkdown", () => {
  it("renders headings (from h3), paragraphs with their line breaks, emphasis and code", () => {
    expect(renderMarkdown("# Receipt\nTOTAL **9.00**\n*cash* `a<b`")).toBe(
      "<h3>Receipt</h3>\n<p>TOTAL <strong>9.00</strong><br><em>cash</em> <code>a&lt;b</code></p>",
    );
  });

  it("renders nested and ordered lists", () => {
    expect(renderMarkdown("- tea\n- cake\n  - lemon\n1. one\n2. two")).toBe(
      "<ul><li>tea</li><li>cake<ul><li>lemon</li></ul></li></ul><ol><li>one</li><li>two</li></ol>",
    );
  });

  it("renders pipe tables with alignment and escaped cells", () => {
    const html = renderMarkdown("| Item | Price |\n|:--|--:|\n| <b>Tea</b> | 9.00 |");
    expect(html).toContain('<th class="align-right">Price</th>');
    expect(html).toContain("<td>&lt;b&gt;Tea&lt;/b&gt;</td>");
  });

  it("keeps fenced code and $$ math as escaped text", () => {
    expect(renderMarkdown("```\n<script>x</script>\n```")).toBe(
      "<pre><code>&lt;script&gt;x&lt;/script&gt;</code></pre>",
    );
    expect(renderMarkdown("$$\na<b\n$$")).toBe('<pre class="math">$$\na&lt;b\n$$</pre>');
  });

  it("escapes model HTML outside tables and links only http(s) URLs", () => {
    const html = renderMarkdown(
      '<img src=x onerror="alert(1)"> <div>x</div> [a](javascript:alert(1)) [b](https://example.com/?q="x")',
    );
    expect(html).not.toMatch(/<img|<div/);
    expect(html).toContain("&lt;img src=x onerror=&quot;alert(1)&quot;&gt;");
    expect(html).toContain("[a](javascript:alert(1))");
    expect(html).toContain('<a href="https://example.com/?q=&quot;x&quot;" rel="noopener noreferrer"');
  });

  it("shows images by their alt text without loading them", () => {
    expect(renderMarkdown("![stamp](http://tracker.example/p.gif)")).toBe(
      '<p><span class="image-ref">[image: stamp]</span></p>',
    );
  });

  it("passes an HTML table spread over lines through the sanitiser, with the text around it", () => {
    const html = renderMarkdown("Items:<table>\n<tr><td>Tea</td>\n</tr></table> thanks");
    expect(html).toBe(
      '<p>Items:</p>\n<div class="table-scroll"><table>\n<tr><td>Tea</td>\n</tr></table></div>\n<p>thanks</p>',
    );
  });
});

describe("sanitizeTableHtml", () => {
  it("keeps table tags and colspan/rowspan, drops every other attribute and tag", () => {
    expect(
      sanitizeTableHtml(
        '<table style="x" onmouseover="y"><tr><td colspan="2" rowspan=3 class="c" onclick="z">a<b>b</b><br/>c</td></tr></table>',
      ),
    ).toBe('<table><tr><td colspan="2" rowspan="3">ab<br>c</td></tr></table>');
  });

  it("removes scripts and styles with their content and escapes text", () => {
    expect(
      sanitizeTableHtml(
        '<table><tr><td><script>alert(1)</script><style>*{}</style>1 < 2 & "q"</td></tr></table>',
      ),
    ).toBe("<table><tr><td>1 &lt; 2 &amp; &quot;q&quot;</td></tr></table>");
  });

  it("closes what the model left open and ignores stray closing tags", () => {
    expect(sanitizeTableHtml("<table><tr><td>a</div></span></tbody><td>b")).toBe(
      "<table><tr><td>a<td>b</td></td></tr></table>",
    );
  });

  it("does not let a quoted '>' inside an attribute end the tag early", () => {
    expect(sanitizeTableHtml('<table><tr><td title="a>b" onclick="x">c</td></tr></table>')).toBe(
      "<table><tr><td>c</td></tr></table>",
    );
  });
});
