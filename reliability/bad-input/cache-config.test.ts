import { describeCorpus } from "./support/corpus.js";
import { cacheConfigCases } from "./cache-config.cases.js";

describeCorpus("cache configs: invalid, over-size, digests that do not match", cacheConfigCases);
