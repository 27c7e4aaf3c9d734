#!/usr/bin/env node
// The `exp` command, installed with every first-party exporter and cache backend beside it:
// exp looks for plugins beside the command that was run, so it finds them here.
import "@exp/cli/bin";
