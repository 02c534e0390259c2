/**
 * Stop actions registered as parts start, run in reverse order: whatever start-up reached, Ctrl-C or a
 * failure stops exactly what was started, the last part first (controller before Redis, Redis before
 * the control plane).
 */
export interface TeardownStep {
  readonly name: string;
  readonly stop: () => Promise<unknown>;
  /** Synchronous last resort for a second Ctrl-C (e.g. SIGKILL by pid); nothing to do when absent. */
  readonly kill?: () => void;
}

export class Teardown {
  readonly #steps: TeardownStep[] = [];
  /** The step being stopped right now (already off the stack). */
  #current: TeardownStep | undefined;

  add(step: TeardownStep): void {
    this.#steps.push(step);
  }

  get size(): number {
    return this.#steps.length;
  }

  /**
   * Runs every stop action, newest first, each once, reporting each outcome with its duration. A failing
   * one is reported with its error and the rest still run: one stuck part must not keep the others alive.
   */
  async run(report: (step: string, ms: number, error?: unknown) => void): Promise<void> {
    for (let step = this.#steps.pop(); step; step = this.#steps.pop()) {
      this.#current = step;
      const started = performance.now();
      try {
        await step.stop();
        report(step.name, performance.now() - started);
      } catch (err) {
        report(step.name, performance.now() - started, err);
      } finally {
        this.#current = undefined;
      }
    }
  }

  /** Kills what is left at once, without waiting (the second Ctrl-C). */
  killAll(): void {
    const left = this.#current ? [...this.#steps, this.#current] : this.#steps;
    for (const step of left.toReversed()) {
      try {
        step.kill?.();
      } catch {}
    }
  }
}
