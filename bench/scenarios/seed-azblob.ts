import { seedScenario } from "../seed/seed-scenario.js";

/** Issue 16, point 4: the seed with its cache going to Azure Blob Storage (Azurite) instead of S3, over the same link model. */
export const scenario = seedScenario("azblob");
