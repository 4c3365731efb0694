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
}

export const ABSENT: AttributeReading = { kind: 'absent' };

export function stringReading(value: string | undefined): AttributeReading {
  return value === undefined ? ABSENT : { kind: 'string', value };
}

/** The attribute's string value, or undefined when it is absent or not a string. */
export function stringValue(reading: AttributeReading): string | undefined {
  return reading.kind === 'string' ? reading.value : undefined;
}
