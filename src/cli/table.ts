/**
 * A plain-text table: a header row, a rule, then the rows, columns padded to their widest cell. Columns listed in
 * `alignRight` (amounts, percentages) are right-aligned so their digits line up.
 */
export function renderTable(
  headers: readonly string[],
  rows: readonly (readonly string[])[],
  alignRight: readonly number[] = [],
): string[] {
  const widths = headers.map((header, column) =>
    Math.max(header.length, ...rows.map((row) => (row[column] ?? "").length)),
  );
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, column) =>
        alignRight.includes(column) ? cell.padStart(widths[column]!) : cell.padEnd(widths[column]!),
      )
      .join("  ")
      .trimEnd();
  return [line(headers), widths.map((width) => "-".repeat(width)).join("  "), ...rows.map(line)];
}
