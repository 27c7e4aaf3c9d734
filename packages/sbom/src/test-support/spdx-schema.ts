// The SPDX 2.3 JSON schema (spdx/spdx-spec at tag v2.3) is kept in @exp/testing with where it
// comes from, shared with the CLI's attestation tests.
export { spdxSchemaErrors } from "@exp/testing/schemas";
