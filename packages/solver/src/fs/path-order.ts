// Two orders, each chosen for a reason:
// - byte order of the UTF-8 path (what the brief's walkContext promises, and what `sort` in C gives);
// - walk order, where "/" sorts before every other byte, so a directory's whole subtree comes
//   right after it. That is the order Go's filepath.Walk, and so containerd's diff and BuildKit's
//   layer tars, produce ("a", "a/x", "a-b"), and the order our plans, checksums and tars use.

/**
 * Compares by Unicode code point, which is the UTF-8 byte order. JS `<` compares UTF-16 code units,
 * which disagrees for surrogate pairs against U+E000..U+FFFF; only that case needs fixing up.
 */
export function compareBytes(a: string, b: string): number {
  return compareWith(a, b, false);
}

/** Walk order: like compareBytes but "/" sorts first, so a directory's subtree stays contiguous. */
export function compareWalkOrder(a: string, b: string): number {
  return compareWith(a, b, true);
}

/**
 * Sorts in walk order by `pathOf`, in place, unless the items are in that order already: one pass
 * tells, which spares a large COPY (tens of thousands of entries, built in walk order) the sort.
 */
export function sortInWalkOrder<T>(items: T[], pathOf: (item: T) => string): T[] {
  for (let i = 1; i < items.length; i++) {
    if (compareWalkOrder(pathOf(items[i - 1]!), pathOf(items[i]!)) > 0) return items.sort((a, b) => compareWalkOrder(pathOf(a), pathOf(b)));
  }
  return items;
}

function compareWith(a: string, b: string, slashFirst: boolean): number {
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x === y) continue;
    if (slashFirst) {
      if (x === 0x2f) return -1;
      if (y === 0x2f) return 1;
    }
    if (x >= 0xd800 && y >= 0xd800) {
      x = codePointRank(x);
      y = codePointRank(y);
    }
    return x - y;
  }
  return a.length - b.length;
}

// Surrogates (U+D800..U+DFFF) encode code points above U+FFFF, so they must rank above U+E000..U+FFFF.
function codePointRank(unit: number): number {
  return unit >= 0xe000 ? unit - 0x800 : unit + 0x2000;
}
