import { assetIdProblem, preview } from './asset-id';
import { parseLockExpiry } from './lock-expiry';
import { projectIdProblem } from './project';
import type { TrackedCanvas } from './tracked-canvas';

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
