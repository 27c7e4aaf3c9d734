import { setMaxListeners } from "node:events";
import { spawnSync } from "node:child_process";
import { readdir, readFile, rename, writeFile } from "node:fs/promises";
import { cpus, loadavg, totalmem } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import type { Figure, Scenario, Target } from "./scenario.js";
import { isSampled } from "./stats.js";

/**
 * `pnpm bench [scenario...] [--runs N]`: runs the named scenarios (all of them, in the issue's
 * order, when none is named) one after another, writes bench/results/<scenario>.json atomically
 * after each and regenerates bench/RESULTS.md from every results file.
 */
const here = dirname(fileURLToPath(import.meta.url));
const resultsDir = join(here, "results");
/** The order `pnpm bench` runs them in: the issue's scenarios first, then the older ones. */
const order = ["seed", "seed-azblob", "uplink", "same-registry", "names", "rebuild", "skopeo", "buildah", "startup", "app-context", "attest", "memory", "cpu", "coordinator", "build", "footprint"];

async function available(): Promise<string[]> {
  const names = (await readdir(join(here, "scenarios"))).filter((f) => f.endsWith(".ts")).map((f) => f.slice(0, -3));
  const rank = (n: string) => (order.includes(n) ? order.indexOf(n) : order.length);
  return names.sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
}

async function loadScenario(name: string): Promise<Scenario> {
  const names = await available();
  if (!names.includes(name)) throw new Error(`unknown benchmark scenario ${JSON.stringify(name)}; available: ${names.join(", ")}`);
  const module = (await import(`./scenarios/${name}.ts`)) as { scenario: Scenario };
  return module.scenario;
}

async function writeAtomically(path: string, content: string): Promise<void> {
  const temp = `${path}.${process.pid}.tmp`;
  await writeFile(temp, content);
  await rename(temp, path);
}

interface ResultFile {
  scenario: string;
  description: string;
  targets: Array<Target & { met: boolean }>;
  met: boolean;
  measured_at: string;
  machine: { node: string; cpus: number; cpu_model: string; memory_gib: number };
  /** The exp commit measured, and the versions of the tools and servers it was measured against. */
  versions?: Record<string, string>;
  /** The machine's 1, 5 and 15 minute load averages before and after the scenario ran. */
  load?: { before: number[]; after: number[] };
  /** How long the scenario took, set-up included (what `pnpm bench` announces next time). */
  duration_s?: number;
  figures: Record<string, Figure>;
}

/** The flat format written before figures were sampled: one target, figures at the top level. */
interface LegacyResultFile {
  scenario: string;
  description: string;
  target: Target;
  met: boolean;
  measured_at: string;
  node: string;
  [figure: string]: unknown;
}

function upgrade(file: ResultFile | LegacyResultFile): ResultFile {
  if ("figures" in file) return file as ResultFile;
  const { scenario, description, target, met, measured_at, node, ...figures } = file as LegacyResultFile;
  return { scenario, description, targets: [{ ...target, met }], met, measured_at, machine: { node, cpus: 0, cpu_model: "not recorded", memory_gib: 0 }, figures: figures as Record<string, Figure> };
}

/** What one command prints, first line, or "unknown" when it is not there. */
function firstLine(command: string, args: string[]): string {
  const result = spawnSync(command, args, { encoding: "utf8" });
  return result.status === 0 ? (result.stdout || result.stderr).split("\n")[0]!.trim() : "unknown";
}

function versions(): Record<string, string> {
  return {
    exp_commit: firstLine("git", ["rev-parse", "--short", "HEAD"]),
    "docker-registry": firstLine("docker-registry", ["--version"]).replace(/^docker-registry github\.com\/docker\/distribution /, ""),
    skopeo: firstLine("skopeo", ["--version"]).replace(/^skopeo version /, ""),
    swift: firstLine("dpkg-query", ["-W", "-f", "${Version}", "swift-proxy"]),
    zstd: firstLine("zstd", ["--version"]).replace(/^.*\bv(\d[\d.]*).*$/, "$1"),
  };
}

function value(figure: Figure | undefined): number | undefined {
  if (typeof figure === "number") return figure;
  return isSampled(figure) ? figure.median : undefined;
}

function targetMet(target: Target, figure: Figure | undefined): boolean {
  const v = value(figure);
  if (v === undefined) return false;
  return (target.max === undefined || v <= target.max) && (target.min === undefined || v >= target.min);
}

function describeTarget(t: Target): string {
  return `${t.metric} ${[t.max === undefined ? "" : `≤ ${t.max}`, t.min === undefined ? "" : `≥ ${t.min}`].filter(Boolean).join(", ")}`;
}

function describeFigure(name: string, figure: Figure): string {
  if (!isSampled(figure)) return `${name}=${String(figure)}`;
  return `${name}=${figure.median} (${figure.min}–${figure.max}, n=${figure.samples.length})`;
}

async function renderResults(): Promise<void> {
  const files = (await readdir(resultsDir)).filter((f) => f.endsWith(".json"));
  const results = await Promise.all(files.map(async (f) => upgrade(JSON.parse(await readFile(join(resultsDir, f), "utf8")) as ResultFile | LegacyResultFile)));
  const names = await available();
  results.sort((a, b) => names.indexOf(a.scenario) - names.indexOf(b.scenario));
  const machines = [...new Set(results.filter((r) => r.machine.cpus > 0).map((r) => `${r.machine.cpus} × ${r.machine.cpu_model}, ${r.machine.memory_gib} GiB, Node ${r.machine.node}`))];
  const lines = [
    "# Benchmark results",
    "",
    "Generated by `pnpm bench [scenario]` from `bench/results/*.json`; do not edit by hand.",
    "Targets are ratios measured within one run, because the machine is shared and noisy. A sampled",
    "figure reads `median (min–max, n=runs)`; the raw samples are in the JSON files.",
    "",
    `Machine: ${machines.join("; ")}.`,
    `Versions: ${[...new Set(results.filter((r) => r.versions).map((r) => Object.entries(r.versions!).filter(([k]) => k !== "exp_commit").map(([k, v]) => `${k} ${v}`).join(", ")))].join("; ")}; each row's exp commit is in its JSON file.`,
    "",
    "![timeline of a sequential and a parallel export](timeline.svg)",
    "",
    "| scenario | what | baseline | target | met | figures | measured |",
    "|---|---|---|---|---|---|---|",
  ];
  for (const r of results) {
    const figures = Object.entries(r.figures).map(([k, v]) => describeFigure(k, v)).join(", ");
    const targets = r.targets.map((t) => `${describeTarget(t)}${t.met ? "" : " (**no**)"}`).join("; ");
    const baseline = names.includes(r.scenario) ? (await loadScenario(r.scenario)).baseline : "";
    lines.push(`| ${r.scenario} | ${r.description} | ${baseline} | ${targets} | ${r.met ? "yes" : "**no**"} | ${figures} | ${r.measured_at.slice(0, 10)}${overloaded(r)} |`);
  }
  const optimizations = await readFile(join(here, "OPTIMIZATIONS.md"), "utf8").catch(() => "");
  await writeAtomically(join(here, "RESULTS.md"), `${lines.join("\n")}\n${optimizations ? `\n${optimizations}` : ""}`);
}

/** A note when the machine was busier than it has cores, before or after: its figures are suspect. */
function overloaded(r: ResultFile): string {
  if (!r.load || r.machine.cpus === 0) return "";
  const peak = Math.max(r.load.before[0] ?? 0, r.load.after[0] ?? 0);
  return peak > r.machine.cpus ? ` (load ${peak.toFixed(1)} > ${r.machine.cpus} cores)` : "";
}

/** What `pnpm bench` is about to run and how long each took last time, printed before it starts. */
async function announce(names: readonly string[], runs: number): Promise<void> {
  let total = 0;
  let unknown = 0;
  console.log(`pnpm bench will run ${names.length} scenario(s), ${runs} run(s) each:`);
  for (const name of names) {
    const scenario = await loadScenario(name);
    const last = await readFile(join(resultsDir, `${name}.json`), "utf8").then((text) => (JSON.parse(text) as ResultFile).duration_s, () => undefined);
    if (last === undefined) unknown++;
    else total += last;
    console.log(`  ${name}: ${scenario.description} (baseline: ${scenario.baseline}); ${last === undefined ? "no timed run yet" : `about ${(last / 60).toFixed(1)} min last time`}`);
  }
  console.log(`about ${(total / 60).toFixed(0)} min in all${unknown > 0 ? `, plus ${unknown} scenario(s) never timed` : ""} (times scale with --runs)`);
}

async function runScenario(name: string, runs: number, signal: AbortSignal): Promise<boolean> {
  const scenario = await loadScenario(name);
  console.log(`bench ${scenario.name}: ${scenario.description}`);
  const started = Date.now();
  const loadBefore = loadavg().map((l) => Math.round(l * 100) / 100);
  const figures = await scenario.run({ signal, runs, log: (line) => console.log(`  ${line}`) });
  const loadAfter = loadavg().map((l) => Math.round(l * 100) / 100);
  const targets = scenario.targets.map((t) => ({ ...t, met: targetMet(t, figures[t.metric]) }));
  const cpu = cpus();
  const result: ResultFile = {
    scenario: scenario.name,
    description: scenario.description,
    targets,
    met: targets.every((t) => t.met),
    measured_at: new Date().toISOString(),
    machine: { node: process.version, cpus: cpu.length, cpu_model: cpu[0]?.model.trim() ?? "unknown", memory_gib: Math.round(totalmem() / 2 ** 30) },
    versions: versions(),
    load: { before: loadBefore, after: loadAfter },
    duration_s: Math.round((Date.now() - started) / 1000),
    figures,
  };
  await writeAtomically(join(resultsDir, `${scenario.name}.json`), `${JSON.stringify(result, null, 2)}\n`);
  await renderResults();
  for (const [k, v] of Object.entries(figures)) console.log(`  ${describeFigure(k, v)}`);
  for (const t of targets) console.log(`${scenario.name}: ${describeTarget(t)}: ${String(value(figures[t.metric]))} ${t.met ? "met" : "NOT met"}`);
  return result.met;
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({ allowPositionals: true, options: { runs: { type: "string", default: "5" }, "render-only": { type: "boolean" } } });
  const runs = Number(values.runs);
  if (!Number.isInteger(runs) || runs < 1) throw new Error(`--runs must be a whole number of at least 1, got ${JSON.stringify(values.runs)}`);
  if (values["render-only"]) return renderResults();
  const names = positionals.length > 0 ? positionals : await available();
  for (const name of names) await loadScenario(name); // fail on a typo before hours of benchmarking
  await announce(names, runs);
  const controller = new AbortController();
  setMaxListeners(0, controller.signal); // shared by every concurrent operation of a scenario
  process.once("SIGINT", () => controller.abort(new Error("interrupted")));
  const missed: string[] = [];
  for (const name of names) if (!(await runScenario(name, runs, controller.signal))) missed.push(name);
  if (missed.length > 0) console.log(`targets not met: ${missed.join(", ")}`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
