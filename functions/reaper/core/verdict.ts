import { assetIdProblem, preview } from './asset-id';
import { parseLockExpiry } from './lock-expiry';
import type { ApiFailure, SourceLockResult } from './ports';
import { projectIdProblem } from './project';
import { type AttributeReading, readingText, type TrackedCanvas } from './tracked-canvas';

export type Verdict =
  | { kind: 'invalid'; problem: string }
  | { kind: 'not-locked' }
  | { kind: 'live'; expiresAt: number }
  | { kind: 'stale'; expiresAt: number };

/** A lock is stale once lockExpiresAt + grace is in the past; the grace absorbs clock skew between editor and reaper. */
export function judgeCanvas(canvas: TrackedCanvas, nowMs: number, graceMs: number): Verdict {
  const idProblem = assetIdProblem(canvas.assetId);
  if (idProblem) return { kind: 'invalid', problem: idProblem };
  const project = canvas.projectId;
  if (project && project.kind !== 'absent') {
    const problem =
      project.kind === 'string' ? projectIdProblem(project.value) : `projectId is a DynamoDB ${project.dynamoType}, not a string`;
    if (problem) return { kind: 'invalid', problem: project.kind === 'string' ? `${problem} (${preview(project.value, 40)})` : problem };
  }
  const expiry = parseLockExpiry(canvas.lockExpiresAt);
  switch (expiry.kind) {
    case 'absent':
      return { kind: 'not-locked' };
    case 'invalid':
      return { kind: 'invalid', problem: expiry.problem };
    case 'valid':
      return expiry.at + graceMs < nowMs ? { kind: 'stale', expiresAt: expiry.at } : { kind: 'live', expiresAt: expiry.at };
  }
}

/**
 * Scenario's expiry when it is a live lock (with the grace); undefined when absent or stale too. The lock API answers
 * an unreadable lock with a bad-response failure; one that reaches here anyway is a bug, and frees nothing.
 */
export function liveLockExpiry(reading: AttributeReading, nowMs: number, graceMs: number): string | undefined {
  const expiry = parseLockExpiry(reading);
  if (expiry.kind === 'invalid') throw new Error(`the lock API passed on a lock it could not read: ${expiry.problem}`);
  return expiry.kind === 'valid' && expiry.at + graceMs >= nowMs ? expiry.raw : undefined;
}

/**
 * What the GET before an unlock says about a canvas the table calls stale (the run's verify step, and ops explain):
 *   failed    no reading (the request failed, or the lock could not be read: fail closed, nothing is freed);
 *   live      Scenario holds a live lock: not unlocked, the row is healed with this expiry;
 *   not-live  no lock at Scenario, or a stale one too: the unlock goes ahead.
 */
export type SourceJudgement =
  | { kind: 'failed'; failure: ApiFailure }
  | { kind: 'live'; lockExpiresAt: string }
  | { kind: 'not-live'; lockExpiresAt: string | null };

export function judgeSourceLock(source: SourceLockResult, nowMs: number, graceMs: number): SourceJudgement {
  if (!source.ok) return { kind: 'failed', failure: source.failure };
  const live = liveLockExpiry(source.lockExpiresAt, nowMs, graceMs);
  if (live !== undefined) return { kind: 'live', lockExpiresAt: live };
  return { kind: 'not-live', lockExpiresAt: readingText(source.lockExpiresAt) ?? null };
}

/** A run's claim on a row, as the row holds it (reaperClaimRunId, reaperClaimExpiresAt in epoch ms). */
export interface RowClaim {
  runId: string;
  /** NaN when the row holds no readable reaperClaimExpiresAt. */
  expiresAtMs: number;
}

/**
 * Whether another run's claim keeps `runId` from claiming the row now: the store's claim condition (see
 * CanvasStore.claim) in words. A claim is free when absent, lapsed (its expiry before now) or this run's own; one
 * without a readable expiry never lapses, as in DynamoDB's comparison.
 */
export function claimHeldByOtherRun(claim: RowClaim | undefined, nowMs: number, runId?: string): boolean {
  if (claim === undefined || claim.runId === runId) return false;
  return !(claim.expiresAtMs < nowMs);
}
