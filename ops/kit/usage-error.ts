/** A mistake in the command line: reported with one usage line and where to read more, exit 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** Runs a validator whose error is a usage mistake (a flag's value), turning its error into a UsageError. */
export function asUsage<T>(validate: () => T): T {
  try {
    return validate();
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
}
