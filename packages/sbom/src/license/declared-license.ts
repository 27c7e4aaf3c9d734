import parseExpression from "spdx-expression-parse";
import type { SpdxExtractedLicense } from "../spdx/types.js";
import { isLicenseException, licenseIdOf } from "./license-ids.js";

type Node = parseExpression.Info;
type Leaf = parseExpression.LicenseInfo;

/** A package's licences as SPDX fields: the declared expression and the LicenseRefs it uses. */
export interface DeclaredLicense {
  /** An SPDX expression, or NOASSERTION when the metadata states none. */
  expression: string;
  /** One per LicenseRef-… the expression uses, for the document's hasExtractedLicensingInfos. */
  extracted: SpdxExtractedLicense[];
}

/** The characters an SPDX idstring may hold (clause 10.1); everything else becomes "-". */
export function sanitizeIdString(value: string): string {
  return value.replace(/[^A-Za-z0-9.-]/g, "-");
}

/**
 * One licence value as SPDX: an identifier on the list under any spelling Syft accepts, a valid
 * expression of them, or else `LicenseRef-<value>` with the value kept as the licence's name (as
 * Syft does for "Expat", "public-domain" or "SEE LICENSE IN LICENSE").
 */
export function licenseExpressionOf(value: string): { expression: string; extracted?: SpdxExtractedLicense } {
  const trimmed = value.trim();
  const id = licenseIdOf(trimmed);
  if (id !== undefined) return { expression: id };
  const normalized = normalizedExpression(trimmed);
  if (normalized !== undefined) return { expression: normalized };
  const licenseId = trimmed.startsWith("LicenseRef-") ? sanitizeIdString(trimmed) : `LicenseRef-${sanitizeIdString(trimmed)}`;
  return { expression: licenseId, extracted: { licenseId, extractedText: "NOASSERTION", name: trimmed } };
}

/**
 * The licence values of one package joined as Syft joins them: each value on its own, an
 * expression with an operator in parentheses, all of them ANDed (a package under several
 * licences is under all of them, as far as metadata can say).
 */
export function declaredLicense(values: readonly string[]): DeclaredLicense {
  const seen = new Set<string>();
  const parts: string[] = [];
  const extracted = new Map<string, SpdxExtractedLicense>();
  for (const value of values) {
    if (value.trim() === "") continue;
    const { expression, extracted: ref } = licenseExpressionOf(value);
    if (seen.has(expression)) continue;
    seen.add(expression);
    parts.push(/ (AND|OR|WITH) /.test(expression) && !(expression.startsWith("(") && expression.endsWith(")")) ? `(${expression})` : expression);
    if (ref) extracted.set(ref.licenseId, ref);
  }
  if (parts.length === 0) return { expression: "NOASSERTION", extracted: [] };
  // One compound expression needs no parentheses of its own.
  const expression = parts.length === 1 ? stripOuterParens(parts[0] as string) : parts.join(" AND ");
  return { expression, extracted: [...extracted.values()] };
}

function stripOuterParens(expression: string): string {
  return expression.startsWith("(") && expression.endsWith(")") && balanced(expression.slice(1, -1)) ? expression.slice(1, -1) : expression;
}

function balanced(text: string): boolean {
  let depth = 0;
  for (const char of text) {
    if (char === "(") depth++;
    else if (char === ")" && --depth < 0) return false;
  }
  return depth === 0;
}

/** A valid SPDX expression with every identifier on the pinned list, rewritten to canonical ids; undefined otherwise. */
function normalizedExpression(value: string): string | undefined {
  let tree: Node;
  try {
    tree = parseExpression(value);
  } catch {
    return undefined;
  }
  return render(tree);
}

function render(node: Node): string | undefined {
  if ("conjunction" in node) {
    const left = renderChild(node.left, node.conjunction);
    const right = renderChild(node.right, node.conjunction);
    return left === undefined || right === undefined ? undefined : `${left} ${node.conjunction.toUpperCase()} ${right}`;
  }
  return renderLeaf(node);
}

function renderChild(node: Node, parent: string): string | undefined {
  const text = render(node);
  return text !== undefined && "conjunction" in node && node.conjunction !== parent ? `(${text})` : text;
}

function renderLeaf(leaf: Leaf): string | undefined {
  let id: string | undefined;
  if (leaf.license.startsWith("LicenseRef-") || leaf.license.startsWith("DocumentRef-")) id = leaf.license;
  else if (leaf.plus) {
    // GPL-2.0+ is GPL-2.0-or-later; a licence with no -or-later form keeps its "+".
    const base = licenseIdOf(leaf.license);
    id = licenseIdOf(`${leaf.license}+`) ?? (base === undefined ? undefined : `${base}+`);
  } else id = licenseIdOf(leaf.license);
  if (id === undefined) return undefined;
  if (leaf.exception === undefined) return id;
  return isLicenseException(leaf.exception) ? `${id} WITH ${leaf.exception}` : undefined;
}
