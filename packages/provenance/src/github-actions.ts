/**
 * The builder id docker/build-push-action passes as `builder-id` in GitHub Actions (buildx itself
 * sets none): the run's URL, `<server>/<owner/repo>/actions/runs/<run id>/attempts/<attempt>`, as
 * @docker/actions-toolkit's GitHub.workflowRunURL(true) makes it. Undefined outside Actions. Reads
 * only the five variables it names: no token or other variable is looked at.
 */
export function githubActionsBuilderId(env: Readonly<Record<string, string | undefined>> = process.env): string | undefined {
  if (env["GITHUB_ACTIONS"] !== "true") return undefined;
  const server = env["GITHUB_SERVER_URL"] || "https://github.com";
  const repository = env["GITHUB_REPOSITORY"];
  const runId = env["GITHUB_RUN_ID"];
  if (!repository || !runId) return undefined;
  return `${server}/${repository}/actions/runs/${runId}/attempts/${env["GITHUB_RUN_ATTEMPT"] || "1"}`;
}
