import { writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, makeTempDir, ManagedProcess, removeDir, requireBinary, waitFor } from './process';

export interface PrometheusServer {
  url: string;
  port: number;
  dir: string;
  /** Instant query; returns the result vector. */
  query(expr: string): Promise<Array<{ metric: Record<string, string>; value: [number, string] }>>;
  /** Active alerts as Prometheus reports them. */
  alerts(): Promise<Array<{ labels: Record<string, string>; state: string; annotations: Record<string, string> }>>;
  teardown(): Promise<void>;
}

export interface PrometheusOptions {
  /** `host:port` scrape targets. */
  targets: string[];
  /** Rule files to load (copied paths are used as is). */
  ruleFiles?: string[];
  /** `host:port` of an Alertmanager. */
  alertmanager?: string;
  interval?: string;
}

/** Starts Debian's Prometheus on a free loopback port with a 1 s scrape and evaluation interval. */
export async function startPrometheus(opts: PrometheusOptions): Promise<PrometheusServer> {
  requireBinary('prometheus', 'prometheus');
  const port = await freePort();
  const dir = makeTempDir('prometheus');
  mkdirSync(join(dir, 'data'));
  const iv = opts.interval ?? '1s';
  const lines = [
    `global: { scrape_interval: ${iv}, scrape_timeout: ${iv}, evaluation_interval: ${iv} }`,
    `rule_files: ${JSON.stringify(opts.ruleFiles ?? [])}`,
    `scrape_configs:`,
    `  - job_name: signet`,
    `    static_configs: [ { targets: ${JSON.stringify(opts.targets)} } ]`,
  ];
  if (opts.alertmanager)
    lines.push(`alerting: { alertmanagers: [ { api_version: v2, static_configs: [ { targets: ["${opts.alertmanager}"] } ] } ] }`);
  writeFileSync(join(dir, 'prometheus.yml'), lines.join('\n') + '\n');
  const proc = ManagedProcess.start(
    'prometheus',
    [
      `--config.file=${join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--log.level=warn',
    ],
    { logFile: join(dir, 'prometheus.log') },
  );
  const url = `http://127.0.0.1:${port}`;
  await waitFor(async () => (await fetch(`${url}/-/ready`)).status === 200, 30_000, `prometheus (log ${dir}/prometheus.log)`);
  const api = async <T>(path: string): Promise<T> => {
    const res = await fetch(`${url}${path}`);
    const body = (await res.json()) as { status: string; data: T };
    if (body.status !== 'success') throw new Error(`prometheus ${path}: ${JSON.stringify(body)}`);
    return body.data;
  };
  return {
    url,
    port,
    dir,
    query: async (expr) =>
      (
        await api<{ result: Array<{ metric: Record<string, string>; value: [number, string] }> }>(
          `/api/v1/query?query=${encodeURIComponent(expr)}`,
        )
      ).result,
    alerts: async () =>
      (
        await api<{ alerts: Array<{ labels: Record<string, string>; state: string; annotations: Record<string, string> }> }>(
          '/api/v1/alerts',
        )
      ).alerts,
    async teardown() {
      await proc.stop();
      removeDir(dir);
    },
  };
}

export interface AlertmanagerServer {
  url: string;
  host: string;
  teardown(): Promise<void>;
}

/** Starts Debian's Alertmanager with one webhook receiver, `group_wait: 0s`, clustering off. */
export async function startAlertmanager(webhookUrl: string): Promise<AlertmanagerServer> {
  requireBinary('prometheus-alertmanager', 'prometheus-alertmanager');
  const port = await freePort();
  const dir = makeTempDir('alertmanager');
  writeFileSync(
    join(dir, 'config.yml'),
    [
      'route: { receiver: hook, group_by: [alertname], group_wait: 0s, group_interval: 1s, repeat_interval: 1h }',
      `receivers: [ { name: hook, webhook_configs: [ { url: "${webhookUrl}", send_resolved: true } ] } ]`,
    ].join('\n') + '\n',
  );
  const proc = ManagedProcess.start(
    'prometheus-alertmanager',
    [
      `--config.file=${join(dir, 'config.yml')}`,
      `--storage.path=${dir}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--cluster.listen-address=',
      '--log.level=warn',
    ],
    { logFile: join(dir, 'alertmanager.log') },
  );
  const url = `http://127.0.0.1:${port}`;
  await waitFor(async () => (await fetch(`${url}/-/ready`)).status === 200, 30_000, `alertmanager (log ${dir}/alertmanager.log)`);
  return {
    url,
    host: `127.0.0.1:${port}`,
    async teardown() {
      await proc.stop();
      removeDir(dir);
    },
  };
}
