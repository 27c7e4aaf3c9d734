import { describeCorpus } from "./support/corpus.js";
import { dockerfileCases } from "./dockerfile.cases.js";

describeCorpus("Dockerfile errors", dockerfileCases);
