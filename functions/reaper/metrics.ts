import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { RunSummary } from './core/summary';
import { METRIC_NAMES } from './metric-names';

/** Publishes one run's counts as CloudWatch metrics (EMF lines, picked up from the function's log). */
export function publishRunMetrics(metrics: Metrics, summary: RunSummary): void {
  metrics.addMetric(METRIC_NAMES.runs, MetricUnit.Count, 1);
  metrics.addMetric(METRIC_NAMES.examined, MetricUnit.Count, summary.examined);
  metrics.addMetric(METRIC_NAMES.stale, MetricUnit.Count, summary.stale);
  metrics.addMetric(METRIC_NAMES.unlocked, MetricUnit.Count, summary.unlocked);
  metrics.addMetric(METRIC_NAMES.failed, MetricUnit.Count, summary.failed);
  metrics.addMetric(METRIC_NAMES.invalid, MetricUnit.Count, summary.skipped.invalid);
  metrics.addMetric(METRIC_NAMES.cutShort, MetricUnit.Count, summary.cutShort ? 1 : 0);
  metrics.addMetric(METRIC_NAMES.possibleLiveLockUnlocks, MetricUnit.Count, summary.possibleLiveLockUnlocks);
  metrics.addMetric(METRIC_NAMES.brakeTripped, MetricUnit.Count, summary.brake.engaged ? 1 : 0);
  metrics.publishStoredMetrics();
}

export function createMetrics(options: { namespace: string; serviceName: string }): Metrics {
  return new Metrics({ namespace: options.namespace, serviceName: options.serviceName });
}
