import { parseReference } from "@exp/oci-spec";
import { imageRootPrefix } from "../store/holder-kinds.js";

/** The name of an image kept in the store, split the way `docker image ls` shows it. */
export interface StoredImageName {
  /** The store's root name: `image/docker.io/library/app:1`. */
  rootName: string;
  /** As the exporter wrote it: `docker.io/library/app:1`, `r.example/app@sha256:…`, `<prefix>@sha256:…`. */
  name: string;
  /** Docker's short form: `app`, `user/app`, `r.example/app`. */
  repository: string;
  /** The tag, or `<none>` for a name kept by digest (name-canonical, dangling-name-prefix). */
  tag: string;
  /** `repository:tag`, or the short name with its digest when it has no tag. */
  display: string;
}

/** The parts of `image/<name>`; a name that is not a reference (a dangling prefix) is shown as it is. */
export function storedImageName(rootName: string): StoredImageName {
  const name = rootName.slice(imageRootPrefix.length);
  try {
    const ref = parseReference(name);
    const familiar = ref.familiar();
    const suffix = (ref.tag === undefined ? "" : `:${ref.tag}`) + (ref.digest === undefined ? "" : `@${ref.digest}`);
    const repository = familiar.slice(0, familiar.length - suffix.length);
    return { rootName, name, repository, tag: ref.tag ?? "<none>", display: familiar };
  } catch {
    const at = name.indexOf("@");
    return { rootName, name, repository: at === -1 ? name : name.slice(0, at), tag: "<none>", display: name };
  }
}
