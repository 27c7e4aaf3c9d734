export { exporter } from "./layer-report.js";
