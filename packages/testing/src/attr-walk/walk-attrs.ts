import { AttrWalkError } from "./attr-walk-error.js";
import type { AttrCase, AttrWalkFinding, AttrWalkOptions } from "./types.js";

/** Every key of the table has a row or an exemption, and every row and exemption names a key of the table. */
export function coverageFindings<A>(options: AttrWalkOptions<A>): AttrWalkFinding[] {
  const findings: AttrWalkFinding[] = [];
  const covered = new Set(options.cases.map((c) => c.key));
  const exempt = options.exempt ?? {};
  for (const key of options.keys) {
    if (!covered.has(key) && !Object.hasOwn(exempt, key)) findings.push({ key, problem: "no row in the walk and no exemption: nothing proves it changes the artifact" });
  }
  for (const key of [...covered, ...Object.keys(exempt)]) {
    if (!options.keys.includes(key)) findings.push({ key, problem: "a row or exemption for a key the option table does not have" });
  }
  return findings;
}

/**
 * The exports without the row's attribute are the baseline: two of them must be identical, or any
 * "difference" a row finds could be noise (a time, a random name) rather than the attribute's doing.
 */
async function baseline<A>(options: AttrWalkOptions<A>, row: AttrCase<A>, cache: Map<string, Promise<A>>): Promise<A> {
  const attrs = { ...options.attrs, ...row.base };
  const id = JSON.stringify([row.variant ?? "", Object.entries(attrs).sort()]);
  let pending = cache.get(id);
  if (!pending) {
    pending = (async () => {
      const first = await options.export(attrs, row.variant);
      const second = await options.export(attrs, row.variant);
      if (options.fingerprint(first) !== options.fingerprint(second)) {
        throw new Error(`${options.name}: two exports with the same attributes ${JSON.stringify(attrs)} differ, so no row can show what an attribute changes; make the fixture reproducible`);
      }
      return first;
    })();
    cache.set(id, pending);
  }
  return pending;
}

/** Walks one row: the key is read, the artifact changes, and it changes as BuildKit's would. */
export async function walkRow<A>(options: AttrWalkOptions<A>, row: AttrCase<A>, cache = new Map<string, Promise<A>>()): Promise<AttrWalkFinding[]> {
  const findings: AttrWalkFinding[] = [];
  const attrs = { ...options.attrs, ...row.base, ...row.with };
  const unread = options.unread?.(attrs).filter((key) => Object.hasOwn(row.with, key)) ?? [];
  for (const key of unread) findings.push({ key: row.key, problem: `${key} is accepted but never read by resolve()` });
  const without = await baseline(options, row, cache);
  const withIt = await options.export(attrs, row.variant);
  if (options.fingerprint(without) === options.fingerprint(withIt)) {
    findings.push({ key: row.key, problem: `${JSON.stringify(row.with)} changes nothing in the artifact; expected: ${row.expect}` });
    return findings;
  }
  try {
    await row.differs(without, withIt);
  } catch (error) {
    findings.push({ key: row.key, problem: `${JSON.stringify(row.with)} does not change the artifact as expected (${row.expect}): ${(error as Error).message}` });
  }
  return findings;
}

/** Walks the whole table and throws an AttrWalkError listing every defect; resolves when there is none. */
export async function walkAttrs<A>(options: AttrWalkOptions<A>): Promise<void> {
  const findings = coverageFindings(options);
  const cache = new Map<string, Promise<A>>();
  for (const row of options.cases) findings.push(...(await walkRow(options, row, cache)));
  if (findings.length > 0) throw new AttrWalkError(options.name, findings);
}
