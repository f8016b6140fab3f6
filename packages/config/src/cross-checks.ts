// Checks no single field's schema can make: names that refer to other sections, combinations that are unsafe
// together, and the sections the starting app needs.
import type { RawConfig } from './schema';
import type { AppName, ConfigIssue } from './types';

export function checkReferences(raw: RawConfig, issues: ConfigIssue[]): void {
  const registryNames = new Set<string>();
  raw.registries.forEach((r, i) => {
    if (registryNames.has(r.name)) issues.push({ path: `registries.${i}.name`, message: `duplicate registry name "${r.name}"` });
    registryNames.add(r.name);
  });
  const webhookNames = new Set<string>();
  raw.webhooks.forEach((w, i) => {
    if (webhookNames.has(w.name)) issues.push({ path: `webhooks.${i}.name`, message: `duplicate webhook name "${w.name}"` });
    webhookNames.add(w.name);
    if (!registryNames.has(w.registry)) issues.push({ path: `webhooks.${i}.registry`, message: `no registry named "${w.registry}"` });
  });
  raw.verifier?.repositoryKeys.forEach((r, i) => {
    if (r.registry !== undefined && !registryNames.has(r.registry))
      issues.push({ path: `verifier.repositoryKeys.${i}.registry`, message: `no registry named "${r.registry}"` });
  });
  raw.signer?.trust.forEach((t, i) => {
    if (!registryNames.has(t.registry)) issues.push({ path: `signer.trust.${i}.registry`, message: `no registry named "${t.registry}"` });
  });
  checkUnauthenticatedSenders(raw, issues);
  const { ops, port } = raw.receiver;
  if (ops.port !== 0 && ops.port === port) {
    issues.push({ path: 'receiver.ops.port', message: `the ops listener needs a port of its own, not the webhook port ${port}` });
  }
}

/**
 * A webhook without authentication lets anyone who reaches the receiver say a push came from a trusted actor, so
 * it is refused wherever a trust rule would act on its events, unless the loudly named opt-out is set.
 */
function checkUnauthenticatedSenders(raw: RawConfig, issues: ConfigIssue[]): void {
  raw.webhooks.forEach((w, i) => {
    if (w.auth.type !== 'none' || w.auth.dangerouslyLetAnyoneNameAnyActor) return;
    const rule = raw.signer?.trust.findIndex((t) => t.registry === w.registry) ?? -1;
    if (rule < 0) return;
    issues.push({
      path: `webhooks.${i}.auth`,
      message:
        `type none lets anyone who reaches the receiver name any actor, and signer.trust.${rule} signs pushes on registry "${w.registry}" by the actors it names: ` +
        'authenticate the sender (bearer, header, basic, hmac-sha256 or path-secret), or for a lab only set dangerouslyLetAnyoneNameAnyActor: true',
    });
  });
}

/** The sections the starting app cannot run without. */
export function checkAppSections(raw: RawConfig, app: AppName | undefined, hasSignerKey: boolean, issues: ConfigIssue[]): void {
  if (app === 'signer' && !hasSignerKey)
    issues.push({ path: 'signer.key', message: 'the signer needs a key (path and passwordEnv, uri, or provider)' });
  if (app === 'admission' && !raw.admission)
    issues.push({ path: 'admission', message: 'the admission section is required (at least admission.tls)' });
  if ((app === 'verifier' || app === 'admission') && !raw.verifier)
    issues.push({ path: 'verifier', message: 'the verifier section is required (at least verifier.keys)' });
}
