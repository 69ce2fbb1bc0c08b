import assert from "node:assert/strict";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";

import ts from "typescript";

/** Every .ts file under `dir`, recursively. */
async function sourceFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile() && e.name.endsWith(".ts")).map((e) => join(e.parentPath, e.name));
}

/**
 * Lines of doc comments (`/** ... *\/`) that document nothing: a doc comment belongs to the declaration after it, so
 * of two in a row before a declaration the first is orphaned. The file's first declaration after its imports may
 * have two, a module comment and its own.
 */
function orphanedDocComments(fileName: string, text: string): number[] {
  const source = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, false, ts.ScriptKind.TS);
  const firstDeclaration = source.statements.findIndex((s) => !ts.isImportDeclaration(s));
  const orphaned: number[] = [];
  source.statements.forEach((statement, index) => {
    if (index <= firstDeclaration) return;
    const docs = (ts.getLeadingCommentRanges(text, statement.pos) ?? []).filter(
      (range) => range.kind === ts.SyntaxKind.MultiLineCommentTrivia && text.startsWith("/**", range.pos),
    );
    for (const doc of docs.slice(0, -1)) orphaned.push(source.getLineAndCharacterOfPosition(doc.pos).line + 1);
  });
  return orphaned;
}

describe("doc comments", function () {
  it("every doc comment in src documents the declaration after it", async function () {
    const found: string[] = [];
    for (const file of await sourceFiles("src")) {
      for (const line of orphanedDocComments(file, await readFile(file, "utf8"))) found.push(`${file}:${line}`);
    }
    assert.deepEqual(found, []);
  });

  it("finds a doc comment left above another one", function () {
    const text = [
      'import { x } from "./x.js";',
      "/** The module. */",
      "",
      "/** A. */",
      "export const a = 1;",
      "/** Documents nothing. */",
      "/** B. */",
      "export const b = 2;",
    ].join("\n");
    assert.deepEqual(orphanedDocComments("x.ts", text), [6]);
  });
});
