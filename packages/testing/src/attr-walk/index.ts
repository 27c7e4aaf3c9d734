export { walkAttrs, walkRow, coverageFindings } from "./walk-attrs.js";
export { AttrWalkError } from "./attr-walk-error.js";
export type { AttrCase, AttrExemptions, AttrWalkFinding, AttrWalkOptions } from "./types.js";
