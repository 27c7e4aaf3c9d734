// moby/sys/signal's Linux SignalMap: the names STOPSIGNAL accepts, with or without SIG.
const names = new Set([
  "ABRT", "ALRM", "BUS", "CHLD", "CLD", "CONT", "FPE", "HUP", "ILL", "INT", "IO", "IOT", "KILL", "PIPE", "POLL", "PROF", "PWR",
  "QUIT", "SEGV", "STKFLT", "STOP", "SYS", "TERM", "TRAP", "TSTP", "TTIN", "TTOU", "URG", "USR1", "USR2", "VTALRM", "WINCH",
  "XCPU", "XFSZ", "RTMIN", "RTMAX",
  ...Array.from({ length: 15 }, (_, i) => `RTMIN+${i + 1}`),
  ...Array.from({ length: 14 }, (_, i) => `RTMAX-${i + 1}`),
]);

/** What Docker's signal.ParseSignal accepts: a non-zero number, or a signal name like SIGTERM or TERM. */
export function isValidSignal(value: string): boolean {
  if (/^[+-]?\d+$/.test(value)) return Number(value) !== 0;
  return names.has(value.toUpperCase().replace(/^SIG/, ""));
}
