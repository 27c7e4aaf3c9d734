import { seedScenario } from "../seed/seed-scenario.js";

export const scenario = seedScenario("s3");
