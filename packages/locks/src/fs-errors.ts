// One definition of "does not exist" for every package (ENOENT, ENOTDIR): @exp/errors'. Anything
// else is an error to report, never "absent".
export { hasCode, isNotFound } from "@exp/errors";
