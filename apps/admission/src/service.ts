import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { SignetConfig } from '@signet/config';
import type { MetricsRegistry } from '@signet/observability';
import { whenConnected } from '@signet/queue';
import { withServiceRuntime, type StartOptions as ServiceStartOptions } from '@signet/runtime';
import { createAdmissionJudge, type ReviewPolicy } from '@signet/verification';
import { certificateReloader, readCertificatePair } from './certificate';
import { createAdmissionMetrics } from './metrics';
import { createReviewHandler } from './review-handler';

export interface RunningAdmission {
  /** HTTPS port of /validate and /mutate. */
  port: number;
  /** Plain HTTP port of /metrics, /healthz, /readyz. */
  opsPort: number;
  metrics: MetricsRegistry;
  /** Reads the certificate files again now (also done every `tls.reloadInterval`); true when they changed. */
  reloadCertificate(): boolean;
  close(): Promise<void>;
}

export interface StartOptions extends ServiceStartOptions {
  /** Override `admission.opsPort`. */
  opsPort?: number;
}

function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve((server.address() as AddressInfo).port));
  });
}

/** Starts the admission webhook: HTTPS /validate and /mutate, and the ops listener. A failed start closes what it opened. */
export async function startAdmission(config: SignetConfig, opts: StartOptions): Promise<RunningAdmission> {
  return withServiceRuntime('admission', config, opts, async (rt, admission) => {
    // Fail fast: a review waits on Redis for no longer than its budget allows, and then denies.
    const redis = rt.connection('producer');
    // With Redis down it starts anyway, reports not ready, and denies what it cannot judge.
    await whenConnected(redis, 5000);
    const { judge, close: closeJudge } = await createAdmissionJudge(config, redis);
    rt.defer('admission judge', closeJudge);
    const policy: ReviewPolicy = {
      defaultMode: admission.defaultMode,
      namespaces: admission.namespaces,
      excludedNamespaces: admission.excludedNamespaces,
      podsOnly: admission.podsOnly,
    };
    const metrics = createAdmissionMetrics(rt.metrics);
    const handle = createReviewHandler({ judge, policy, liveBudget: admission.liveBudget, metrics, logger: rt.logger });

    const first = readCertificatePair(admission.tls);
    const server = createServer({ cert: first.cert, key: first.key }, (req, res) => void handle(req, res));
    const port = await listen(server, opts.port ?? admission.port, admission.host);
    rt.defer(
      'review listener',
      () =>
        new Promise<void>((r) => {
          server.closeAllConnections();
          server.close(() => r());
        }),
    );
    const reloadCertificate = certificateReloader(server, first, admission.tls, { metrics, logger: rt.logger });
    const timer = setInterval(reloadCertificate, admission.tls.reloadInterval);
    timer.unref();
    rt.defer('certificate reload timer', () => clearInterval(timer));
    const ops = await rt.startOps({ port: opts.opsPort ?? admission.opsPort, redis: [redis] });
    rt.logger.info(
      {
        port,
        opsPort: ops.port,
        registries: config.registries.map((r) => r.host),
        defaultMode: admission.defaultMode,
        unwatchedRegistries: admission.unwatchedRegistries,
      },
      'admission webhook started',
    );
    return { port, opsPort: ops.port, metrics: rt.metrics, reloadCertificate };
  });
}
