import { describeCorpus } from "./support/corpus.js";
import { referenceCases } from "./references.cases.js";

describeCorpus("image references and digests", referenceCases);
