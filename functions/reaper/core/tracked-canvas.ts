/**
 * How the reaper sees one attribute of a stored row, independent of the store: absent, a string,
 * or something else (a number, a map…) described for the report but never interpreted.
 */
export type AttributeReading =
  | { kind: 'absent' }
  | { kind: 'string'; value: string }
  | { kind: 'other'; dynamoType: string; preview: string };

/** One row of the tracked-canvases table, reduced to what the reaper decides on. */
export interface TrackedCanvas {
  assetId: string;
  lockExpiresAt: AttributeReading;
  lockId: AttributeReading;
  /** The Scenario project whose key unlocks it (absent: the default project). */
  projectId?: AttributeReading;
  /** An earlier run recorded that Scenario answered 404 for it (lastNotFoundAt). */
  knownNotFound?: boolean;
  /**
   * The store's own record of the lock exactly as read (raw attribute values), opaque to the core: the store's
   * conditional writes compare it byte for byte. A canvas carries it, so any store instance can write it back.
   */
  readonly asRead?: unknown;
}

/** A lock as a report shows it: what a person needs to tell two locks apart. */
export interface LockView {
  lockExpiresAt?: string;
  lockId?: string;
}

export const ABSENT: AttributeReading = { kind: 'absent' };

export function stringReading(value: string | undefined): AttributeReading {
  return value === undefined ? ABSENT : { kind: 'string', value };
}

/** The attribute's string value, or undefined when it is absent or not a string. */
export function stringValue(reading: AttributeReading): string | undefined {
  return reading.kind === 'string' ? reading.value : undefined;
}

/** The reading as a report shows it (a non-string value by its preview). */
export function readingText(reading: AttributeReading): string | undefined {
  if (reading.kind === 'absent') return undefined;
  return reading.kind === 'string' ? reading.value : `${reading.dynamoType}:${reading.preview}`;
}

/** The canvas's lock, as read, for a report. */
export function lockViewOf(canvas: TrackedCanvas): LockView {
  const lockExpiresAt = readingText(canvas.lockExpiresAt);
  const lockId = readingText(canvas.lockId);
  return { ...(lockExpiresAt === undefined ? {} : { lockExpiresAt }), ...(lockId === undefined ? {} : { lockId }) };
}
