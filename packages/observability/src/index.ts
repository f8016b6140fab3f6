/** Logging, metrics and the ops HTTP server shared by Signet's services. */
export { createLogger, type Logger, type LoggerOptions } from './logger';
export { createMetricsRegistry, LATENCY_BUCKETS, Counter, Gauge, Histogram, MetricsRegistry } from './metrics';
export { startOpsServer, type OpsServer, type OpsServerOptions } from './ops-server';
export { onShutdown } from './shutdown';
export { queueDepthCollector } from './queue-depth';
export {
  createErrorReporter,
  errorKind,
  type ErrorReporter,
  type ErrorReporterOptions,
  type ErrorEmitter,
  type ReporterLogger,
} from './error-reporter';
export { metricFamilies, type MetricFamilies } from './metric-families';
