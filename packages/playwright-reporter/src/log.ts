/** Where the reporter speaks: one line at a time on stderr, never on stdout (reports go there). */
export interface Logger {
  /** A line the user sees; each distinct `key` is said once per run. */
  warnOnce(key: string, message: string): void;
  /** Only with `debug`: prefixed `[flackyness]`. */
  debug(message: string): void;
  /** A line the user sees, every time. */
  info(message: string): void;
}

export function createLogger(
  debugEnabled: boolean,
  write: (line: string) => void = (line) => process.stderr.write(line),
): Logger {
  const said = new Set<string>();
  const safeWrite = (line: string) => {
    try {
      write(line.endsWith('\n') ? line : `${line}\n`);
    } catch {
      // A closed stderr must not break the run.
    }
  };
  return {
    warnOnce(key, message) {
      if (said.has(key)) return;
      said.add(key);
      safeWrite(`Flackyness: ${message}`);
    },
    debug(message) {
      if (debugEnabled) safeWrite(`[flackyness] ${message}`);
    },
    info(message) {
      safeWrite(`Flackyness: ${message}`);
    },
  };
}
