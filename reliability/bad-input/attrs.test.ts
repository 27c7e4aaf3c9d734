import { describeCorpus } from "./support/corpus.js";
import { attrCases } from "./attrs.cases.js";

describeCorpus("exporter and cache attributes, buildx attribute strings, conflicting outputs", attrCases);
