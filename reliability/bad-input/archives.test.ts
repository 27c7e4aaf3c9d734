import { describeCorpus } from "./support/corpus.js";
import { archiveCases } from "./archives.cases.js";

describeCorpus("base images from OCI archives and layouts", archiveCases);
