/**
 * `pnpm test:reliability` runs each reliability test at its CI size (the whole project under 10
 * minutes); `pnpm test:soak` sets EXP_SOAK=1 and runs the same tests longer.
 */
export const soak = process.env.EXP_SOAK === "1";

/** How many trials or exports a test runs: `ci` in the CI run, `soakCount` in the soak. */
export function trials(ci: number, soakCount: number): number {
  return soak ? soakCount : ci;
}
