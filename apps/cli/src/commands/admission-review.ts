import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { parseAllDocuments } from 'yaml';
import {
  createAdmissionJudge,
  reviewAdmission,
  type AdmissionJudgeSettings,
  type AdmissionRequest,
  type ReviewPolicy,
  type ReviewResult,
} from '@signet/verification';
import { CliError, EXIT_FAILURE, EXIT_OK, EXIT_USAGE } from './cli-error';
import { cliRedis, loadCliConfig } from './scan';

interface Flags {
  config?: string;
  namespace?: string;
}

/** Without an `admission:` section the CLI judges as the webhook would by default, with time to spare (CI can wait). */
const CLI_SETTINGS: AdmissionJudgeSettings = { unwatchedRegistries: 'deny', liveBudget: 30_000, cacheTtl: 0 };

interface K8sObject {
  apiVersion?: unknown;
  kind?: unknown;
  metadata?: { name?: unknown; generateName?: unknown; namespace?: unknown };
  items?: unknown[];
}

/** Every object of the files' documents, `List` items included. */
function objectsOf(file: string): K8sObject[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new CliError(`cannot read ${file}: ${(err as Error).message}`, EXIT_USAGE, { cause: err });
  }
  const out: K8sObject[] = [];
  for (const doc of parseAllDocuments(text)) {
    if (doc.errors.length) throw new CliError(`${file}: ${doc.errors[0]?.message}`, EXIT_USAGE);
    const value = doc.toJSON() as K8sObject | null;
    if (!value || typeof value !== 'object') continue;
    if (Array.isArray(value.items)) out.push(...(value.items as K8sObject[]));
    else out.push(value);
  }
  return out;
}

/** The request kube-apiserver would send for creating `object` (a dry run: nothing is remembered). */
function requestFor(object: K8sObject, index: number, namespace: string | undefined): AdmissionRequest {
  const apiVersion = String(object.apiVersion ?? '');
  const [group, version] = apiVersion.includes('/') ? (apiVersion.split('/') as [string, string]) : ['', apiVersion];
  const name = object.metadata?.name ?? object.metadata?.generateName;
  return {
    uid: `signet-cli-${index}`,
    kind: { group, version, kind: String(object.kind ?? '') },
    ...(typeof name === 'string' ? { name } : {}),
    namespace: namespace ?? (typeof object.metadata?.namespace === 'string' ? object.metadata.namespace : 'default'),
    operation: 'CREATE',
    object,
    dryRun: true,
  };
}

function report(request: AdmissionRequest, result: ReviewResult): string {
  const what = `${request.kind.kind}/${request.name ?? '(unnamed)'} in ${request.namespace}`;
  if (result.verdicts.length === 0)
    return `skipped  ${what}: ${result.mode === 'excluded' ? 'namespace excluded' : 'no images Signet judges'}\n`;
  const head = `${result.response.allowed ? (result.decision === 'warned' ? 'warned ' : 'allowed') : 'DENIED '}  ${what} (${result.mode})\n`;
  const lines = result.verdicts.map(
    (v) =>
      `  ${v.allowed ? 'ok' : 'no'}  ${v.reference ?? v.image}${v.digest ? `@${v.digest}` : ''}: ${v.allowed ? (v.warning ?? v.reason) : v.message}\n`,
  );
  return head + lines.join('');
}

async function runAdmissionReview(file: string, flags: Flags): Promise<number> {
  const objects = objectsOf(file);
  const config = loadCliConfig(flags.config);
  if (!config.verifier) throw new CliError('the configuration has no verifier section: its keys decide what is validly signed', EXIT_USAGE);
  const a = config.admission;
  const policy: ReviewPolicy = a
    ? { defaultMode: a.defaultMode, namespaces: a.namespaces, excludedNamespaces: a.excludedNamespaces, podsOnly: a.podsOnly }
    : { defaultMode: 'enforce', namespaces: {}, excludedNamespaces: ['signet', 'kube-system'], podsOnly: false };
  const redis = cliRedis(config);
  const { judge, close } = await createAdmissionJudge(config, redis, a ?? CLI_SETTINGS);
  let denied = false;
  try {
    for (const [i, object] of objects.entries()) {
      const request = requestFor(object, i, flags.namespace);
      const result = await reviewAdmission(request, judge, policy, { mutate: false });
      process.stdout.write(report(request, result));
      if (!result.response.allowed) denied = true;
    }
  } finally {
    await close();
    redis.disconnect();
  }
  return denied ? EXIT_FAILURE : EXIT_OK;
}

export function registerAdmissionReviewCommand(program: Command): void {
  program
    .command('admission-review')
    .description(
      "would these manifests pass Signet's admission webhook? Judges every Pod and workload template in FILE (YAML, several documents or a List) as a dry run; exit 0 allowed, 1 denied",
    )
    .argument('<file>', 'YAML manifests, as given to kubectl apply -f')
    .option('-c, --config <path>', 'config file (default: $SIGNET_CONFIG or ./signet.yaml)')
    .option('-n, --namespace <name>', 'namespace the objects would be created in (default: their metadata.namespace, else default)')
    .action(async (file: string, flags: Flags) => {
      process.exitCode = await runAdmissionReview(file, flags);
    });
}
