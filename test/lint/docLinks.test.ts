import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, normalize } from "node:path";

/**
 * The relative links of a markdown text that do not reach a file of the repository from `file`: a link that leaves
 * it (`../shared/...`) or names a missing file is broken in any clone. Web and in-page links are not checked.
 */
function brokenLinks(file: string, text: string, exists: (path: string) => boolean): string[] {
  const broken: string[] = [];
  for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
    if (/^(https?:|mailto:|#)/.test(target!)) continue;
    const path = normalize(join(dirname(file), target!.split("#")[0]!));
    if (path.startsWith("..") || path.startsWith("/") || !exists(path)) broken.push(`${file}: ${target}`);
  }
  return broken;
}

describe("markdown links", function () {
  it("every relative link in the repository's docs reaches a file of the repository", function () {
    const files = execFileSync("git", ["ls-files", "--cached", "--others", "--exclude-standard", "*.md"], {
      encoding: "utf8",
    })
      .split("\n")
      .filter((file) => file !== "" && !file.startsWith("test/fixtures/"));
    assert.ok(files.includes("docs/SPEC.md"), "the repository carries its own spec");
    const broken = files.flatMap((file) => brokenLinks(file, readFileSync(file, "utf8"), existsSync));
    assert.deepEqual(broken, []);
  });

  it("finds a link that leaves the repository or names a missing file", function () {
    const text = "[spec](../../shared/SPEC.md), [api](API.md), [here](#units), [web](https://example.org/x.md)";
    assert.deepEqual(
      brokenLinks("docs/ACCOUNTING.md", text, (path) => path === "docs/API.md"),
      ["docs/ACCOUNTING.md: ../../shared/SPEC.md"],
    );
    assert.deepEqual(
      brokenLinks("docs/ACCOUNTING.md", "[gone](GONE.md)", () => false),
      ["docs/ACCOUNTING.md: GONE.md"],
    );
  });
});
