import { ExpError } from "@exp/errors";

/**
 * push-by-digest=true with a name that has a tag or a digest: BuildKit's util/push/push.go (Push)
 * fails with "can't push tagged ref <ref> by digest" for every name that is not a bare repository.
 * The one a user does not write is the dangling name, `<dangling-name-prefix>@<digest>`, which
 * always has a digest; exp refuses it before anything is pushed (BuildKit fails in its push, after
 * the names before it were pushed).
 */
export class PushByDigestError extends ExpError {
  /** The name that cannot be pushed by digest. */
  readonly ref: string;

  constructor(component: string, ref: string, fix: string) {
    super("ERR_PUSH_BY_DIGEST_TAGGED", `${component}: can't push tagged ref ${ref} by digest: push-by-digest=true pushes bare repository names only (no tag, no digest); ${fix}`);
    this.ref = ref;
  }
}

export const DANGLING_FIX = "the dangling name from dangling-name-prefix always carries the image's digest: drop dangling-name-prefix, or set push-by-digest=false, or give a name with dangling-name-empty-only=true";
