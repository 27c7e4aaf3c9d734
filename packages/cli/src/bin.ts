#!/usr/bin/env node
import { setMaxListeners } from "node:events";
import { runCli } from "./cli.js";
import { processIO } from "./io.js";

// exp pins an AWS SDK release that supports Node 20 (see @exp/cache-s3's README); the SDK's notice
// that later releases will not would be printed on stderr, outside exp's progress output (and
// inside `--progress rawjson`'s stream). The user can still set the variable to "false".
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";

// Ctrl-C cancels the build (exporters stop, leases are released, history records the abort);
// a second Ctrl-C exits at once.
const controller = new AbortController();
// The whole build (every layer, every upload) listens on it at once: not a leak.
setMaxListeners(0, controller.signal);
let interrupted = false;
const onSignal = (signal: NodeJS.Signals) => {
  if (interrupted) process.exit(130);
  interrupted = true;
  controller.abort(new Error(`interrupted (${signal})`));
};
process.on("SIGINT", onSignal);
process.on("SIGTERM", onSignal);

void runCli(process.argv.slice(2), { ...processIO(), signal: controller.signal }).then((code) => {
  process.exitCode = code;
});
