import { BlockList, isIPv6 } from 'node:net';
import type { K8sObject } from './support';

/**
 * Kubernetes NetworkPolicy semantics, enough to ask "may A open a connection to B on this port": a pod is
 * isolated for a direction once a policy of that type selects it, and is then reachable only through a rule of
 * one of those policies; both ends must allow. Namespaces carry only the `kubernetes.io/metadata.name` label the
 * API server sets. Pods are matched by labels, addresses by ipBlock (as a CNI sees traffic leaving the cluster).
 */
export type Peer = { namespace: string; labels: Record<string, string> } | { ip: string };

type Selector = { matchLabels?: Record<string, string>; matchExpressions?: { key: string; operator: string; values?: string[] }[] };
type PolicyPeer = { podSelector?: Selector; namespaceSelector?: Selector; ipBlock?: { cidr: string; except?: string[] } };
type Rule = { ports?: { port?: number; endPort?: number; protocol?: string }[] } & { from?: PolicyPeer[]; to?: PolicyPeer[] };

function selects(selector: Selector | undefined, labels: Record<string, string>): boolean {
  if (!selector) return true;
  const okLabels = Object.entries(selector.matchLabels ?? {}).every(([k, v]) => labels[k] === v);
  return (
    okLabels &&
    (selector.matchExpressions ?? []).every((e) => {
      const has = e.key in labels;
      if (e.operator === 'In') return has && (e.values ?? []).includes(labels[e.key] as string);
      if (e.operator === 'NotIn') return !has || !(e.values ?? []).includes(labels[e.key] as string);
      if (e.operator === 'Exists') return has;
      if (e.operator === 'DoesNotExist') return !has;
      throw new Error(`unknown selector operator ${e.operator}`);
    })
  );
}

function inCidr(ip: string, cidr: string): boolean {
  const [net, bits] = cidr.split('/') as [string, string];
  const type = isIPv6(net) ? 'ipv6' : 'ipv4';
  if ((type === 'ipv6') !== isIPv6(ip)) return false;
  const list = new BlockList();
  list.addSubnet(net, Number(bits), type);
  return list.check(ip, type);
}

function peerMatches(peer: PolicyPeer, policyNamespace: string, other: Peer): boolean {
  if (peer.ipBlock)
    return 'ip' in other && inCidr(other.ip, peer.ipBlock.cidr) && !(peer.ipBlock.except ?? []).some((c) => inCidr(other.ip, c));
  if ('ip' in other) return false;
  const nsOk = peer.namespaceSelector
    ? selects(peer.namespaceSelector, { 'kubernetes.io/metadata.name': other.namespace })
    : other.namespace === policyNamespace;
  return nsOk && selects(peer.podSelector, other.labels);
}

function portMatches(rule: Rule, port: number, protocol: string): boolean {
  if (!rule.ports?.length) return true;
  return rule.ports.some(
    (p) => (p.protocol ?? 'TCP') === protocol && (p.port === undefined || (p.port <= port && port <= (p.endPort ?? p.port))),
  );
}

/** Whether the policies let `pod` send (egress) or receive (ingress) this connection. */
function side(policies: K8sObject[], pod: Peer, other: Peer, direction: 'Ingress' | 'Egress', port: number, protocol: string): boolean {
  if ('ip' in pod) return true;
  const applying = policies.filter(
    (p) =>
      p.metadata.namespace === pod.namespace &&
      selects(p.spec.podSelector, pod.labels) &&
      (p.spec.policyTypes ?? ['Ingress']).includes(direction),
  );
  if (applying.length === 0) return true;
  return applying.some((p) =>
    ((direction === 'Ingress' ? p.spec.ingress : p.spec.egress) ?? []).some((rule: Rule) => {
      const peers = direction === 'Ingress' ? rule.from : rule.to;
      return (
        portMatches(rule, port, protocol) &&
        (!peers?.length || peers.some((peer) => peerMatches(peer, p.metadata.namespace as string, other)))
      );
    }),
  );
}

export function allows(policies: K8sObject[], from: Peer, to: Peer, port: number, protocol: 'TCP' | 'UDP'): boolean {
  return side(policies, from, to, 'Egress', port, protocol) && side(policies, to, from, 'Ingress', port, protocol);
}
