import { describeCorpus } from "./support/corpus.js";
import { contextCases } from "./context.cases.js";

describeCorpus("build contexts: symlinks and .. escaping", contextCases);
