/** A one-line description of anything thrown, for a log field or a summary entry. */
export function errorMessage(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}
