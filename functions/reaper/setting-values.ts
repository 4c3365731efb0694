import { SETTING_SPECS, type Setting, type SettingName, type SettingValues } from './settings';

/**
 * Reading settings' values: one parser per type, used for environment variables (text), context values (JSON
 * values from cdk.json or text from `-c`), the invoke payload and CLI flags. Every problem is collected, not only
 * the first, so one run lists them all.
 */

export type Reading<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly problem: string };

const accept = <T>(value: T): Reading<T> => ({ ok: true, value });
const refuse = (problem: string): Reading<never> => ({ ok: false, problem });

/** A raw value as a message shows it: text in quotes, JSON values as JSON. */
function shown(raw: unknown): string {
  return JSON.stringify(typeof raw === 'string' ? raw.trim() : raw) ?? String(raw);
}

/** Numbers and text are both accepted: `-c key=60` arrives as text, cdk.json and payloads give numbers. */
function numberText(raw: unknown): string | undefined {
  if (typeof raw === 'number') return String(raw);
  return typeof raw === 'string' ? raw.trim() : undefined;
}

export interface WholeNumberBounds {
  readonly min: number;
  readonly max: number;
  readonly oneOf?: readonly number[];
}

/** The one whole-number parser: digits only (no sign, exponent or fraction), within the bounds. */
export function readWholeNumber(raw: unknown, bounds: WholeNumberBounds): Reading<number> {
  const text = numberText(raw);
  if (text === undefined || !/^\d+$/.test(text)) return refuse(`${shown(raw)} is not a whole number`);
  const value = Number(text);
  if (value < bounds.min || value > bounds.max) return refuse(`${value} is outside ${bounds.min}..${bounds.max}`);
  if (bounds.oneOf && !bounds.oneOf.includes(value)) return refuse(`${value} is not one of ${bounds.oneOf.join(', ')}`);
  return accept(value);
}

export interface DecimalBounds {
  readonly min: number;
  readonly max: number;
  readonly minExclusive?: boolean;
}

/** A decimal number written plainly (`0.5`, `1`), within the bounds. */
export function readDecimal(raw: unknown, bounds: DecimalBounds): Reading<number> {
  const text = numberText(raw);
  if (text === undefined || !/^\d+(\.\d+)?$/.test(text)) return refuse(`${shown(raw)} is not a decimal number`);
  const value = Number(text);
  const aboveMin = bounds.minExclusive ? value > bounds.min : value >= bounds.min;
  if (!aboveMin || value > bounds.max) {
    return refuse(
      bounds.minExclusive
        ? `${value} is not greater than ${bounds.min} and at most ${bounds.max}`
        : `${value} is outside ${bounds.min}..${bounds.max}`,
    );
  }
  return accept(value);
}

/** true or false: JSON booleans, or the words in any case. */
export function readBoolean(raw: unknown): Reading<boolean> {
  if (typeof raw === 'boolean') return accept(raw);
  const text = typeof raw === 'string' ? raw.trim().toLowerCase() : undefined;
  if (text === 'true') return accept(true);
  if (text === 'false') return accept(false);
  return refuse(`expected true or false, got ${shown(raw)}`);
}

/** A raw value that means "not set": absent, null, or empty text. */
export function isUnset(raw: unknown): boolean {
  return raw === undefined || raw === null || (typeof raw === 'string' && raw.trim() === '');
}

/** Reads one set value of a setting by its type (unset values are the caller's business). */
export function readSettingValue(spec: Setting, raw: unknown): Reading<string | number | boolean> {
  switch (spec.type) {
    case 'whole':
      return readWholeNumber(raw, spec);
    case 'decimal':
      return readDecimal(raw, spec);
    case 'boolean':
      return readBoolean(raw);
    case 'enum': {
      const text = typeof raw === 'string' ? raw.trim() : undefined;
      const value = spec.values.find((candidate) => candidate.toLowerCase() === text?.toLowerCase());
      return value === undefined
        ? refuse(`${shown(typeof raw === 'string' ? raw.toUpperCase() : raw)} is not one of ${spec.values.join(', ')}`)
        : accept(value);
    }
    case 'text': {
      if (typeof raw !== 'string') return refuse(spec.secret ? 'expected a string' : `expected a string, got ${shown(raw)}`);
      const value = raw.trim();
      const problem = spec.check?.(value);
      if (problem !== undefined) return refuse(spec.secret ? 'is not valid (value not shown: it is a credential)' : problem);
      return accept(spec.normalize ? spec.normalize(value) : value);
    }
  }
}

/** One problem with one setting, named as the reader knows it (the variable or the context key). */
export interface SettingProblem {
  readonly name: string;
  readonly detail: string;
}

/** Where values come from: the environment or the CDK context. */
export interface SettingSource {
  /** The name a message uses for the setting (its variable or context key). */
  nameOf(spec: Setting): string;
  /** The raw value, or undefined when unset. */
  rawOf(spec: Setting): unknown;
}

/**
 * Reads these settings from a source: each value, its default when unset, and every problem. A setting with a
 * problem takes its default (so the caller's own checks can still run) and the caller throws with the problems.
 */
export function readSettings<N extends SettingName>(
  names: readonly N[],
  source: SettingSource,
): { values: SettingValues<N>; problems: SettingProblem[] } {
  const values: Record<string, unknown> = {};
  const problems: SettingProblem[] = [];
  for (const name of names) {
    const spec = SETTING_SPECS[name];
    const raw = source.rawOf(spec);
    values[name] = spec.default;
    if (isUnset(raw)) {
      if (spec.type === 'text' && spec.required) problems.push({ name: source.nameOf(spec), detail: `is required (${spec.required})` });
      continue;
    }
    const reading = readSettingValue(spec, raw);
    if (reading.ok) values[name] = reading.value;
    else problems.push({ name: source.nameOf(spec), detail: reading.problem });
  }
  return { values: values as SettingValues<N>, problems };
}
