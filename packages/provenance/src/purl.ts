// The purl of an image reference lives in @exp/oci-spec, shared with the image exporters' attestation subjects.
export { imagePurl } from "@exp/oci-spec";
