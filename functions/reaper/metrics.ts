import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { RunSummary } from './core/summary';
import { MAX_PROJECT_DIMENSIONS, METRIC_NAMES, METRIC_PROJECT_DIMENSION } from './metric-names';

/**
 * Publishes one run's counts as CloudWatch metrics (EMF lines, picked up from the function's log): the service-level
 * series the alarms watch, then unlocked/failed per Scenario project. The Project dimension is only ever a project
 * named in the credentials (never a value a writer put in the table), at most MAX_PROJECT_DIMENSIONS of them, so a
 * bad row cannot create metric series.
 */
export function publishRunMetrics(
  options: { namespace: string; serviceName: string },
  summary: RunSummary,
  projectsInCredentials: readonly string[] = [],
): void {
  const newMetrics = () => new Metrics(options);
  const metrics = newMetrics();
  metrics.addMetric(METRIC_NAMES.runs, MetricUnit.Count, 1);
  metrics.addMetric(METRIC_NAMES.examined, MetricUnit.Count, summary.examined);
  metrics.addMetric(METRIC_NAMES.stale, MetricUnit.Count, summary.stale);
  metrics.addMetric(METRIC_NAMES.unlocked, MetricUnit.Count, summary.unlocked);
  metrics.addMetric(METRIC_NAMES.failed, MetricUnit.Count, summary.failed);
  metrics.addMetric(METRIC_NAMES.invalid, MetricUnit.Count, summary.skipped.invalid);
  metrics.addMetric(METRIC_NAMES.cutShort, MetricUnit.Count, summary.cutShort ? 1 : 0);
  metrics.addMetric(METRIC_NAMES.possibleLiveLockUnlocks, MetricUnit.Count, summary.possibleLiveLockUnlocks);
  metrics.addMetric(METRIC_NAMES.brakeTripped, MetricUnit.Count, summary.brake.engaged ? 1 : 0);
  metrics.addMetric(METRIC_NAMES.eventsNotPublished, MetricUnit.Count, summary.eventsNotPublished);
  metrics.publishStoredMetrics();

  if (projectsInCredentials.length < 2) return;
  for (const project of projectsInCredentials.slice(0, MAX_PROJECT_DIMENSIONS)) {
    // Project ids are data: only the summary's own entries count (never a name every object inherits).
    if (!Object.hasOwn(summary.projects, project)) continue;
    const counts = summary.projects[project]!;
    const perProject = newMetrics();
    perProject.addDimension(METRIC_PROJECT_DIMENSION, project);
    perProject.addMetric(METRIC_NAMES.unlocked, MetricUnit.Count, counts.unlocked);
    perProject.addMetric(METRIC_NAMES.failed, MetricUnit.Count, counts.failed);
    perProject.publishStoredMetrics();
  }
}
