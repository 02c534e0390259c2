/** One `kong-fleet <command>`: a name, a one-line summary for --help, and an entry that returns the exit code. */
export interface CliCommand {
  readonly name: string;
  readonly summary: string;
  /** Usage text printed by `kong-fleet <command> --help`. */
  readonly usage: string;
  /** Loaded lazily so `kong-fleet translate` never pays for bullmq or the Kubernetes client. */
  readonly load: () => Promise<{ main(argv: string[]): Promise<number> }>;
}

/** Exit codes shared by every command. */
export const ExitCode = {
  ok: 0,
  failure: 1,
  /** Bad usage, bad configuration or unreadable input: nothing was attempted. */
  usage: 2,
} as const;
