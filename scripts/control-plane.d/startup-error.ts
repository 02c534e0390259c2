import { tailOf } from './processes.ts';

/** A component exited while starting; the message carries the end of its log. */
export class StartupError extends Error {
  readonly portInUse: boolean;
  constructor(component: string, logFile: string) {
    const tail = tailOf(logFile);
    super(`control-plane: ${component} exited while starting. Last lines of ${logFile}:\n${tail}`);
    this.name = 'StartupError';
    this.portInUse = /address already in use/i.test(tail);
  }
}

/** waitFor wraps the last error in a timeout error; a StartupError is the real story, so surface it. */
export function rethrowStartupError(err: unknown): never {
  const cause = (err as { cause?: unknown }).cause;
  throw cause instanceof StartupError ? cause : err;
}
