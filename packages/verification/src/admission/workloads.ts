/**
 * Where a Kubernetes object keeps its images. The API server sends the whole object; only the pod spec's
 * container lists matter, and their `image` fields are what the kubelet pulls.
 */

/** Path (object keys) from the object's root to its pod spec, per kind. */
const POD_SPEC_PATHS: Record<string, readonly string[]> = {
  Pod: ['spec'],
  Deployment: ['spec', 'template', 'spec'],
  ReplicaSet: ['spec', 'template', 'spec'],
  StatefulSet: ['spec', 'template', 'spec'],
  DaemonSet: ['spec', 'template', 'spec'],
  ReplicationController: ['spec', 'template', 'spec'],
  Job: ['spec', 'template', 'spec'],
  CronJob: ['spec', 'jobTemplate', 'spec', 'template', 'spec'],
};

export const WORKLOAD_KINDS = Object.keys(POD_SPEC_PATHS);

const CONTAINER_LISTS = ['containers', 'initContainers', 'ephemeralContainers'] as const;
export type ContainerList = (typeof CONTAINER_LISTS)[number];

/** One container's image, with the JSON Pointer (RFC 6901) of its `image` field for a patch. */
export interface ContainerImage {
  list: ContainerList;
  /** The container's name (for messages); `#<index>` when it has none. */
  container: string;
  image: string;
  pointer: string;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const escapePointer = (s: string) => s.replace(/~/g, '~0').replace(/\//g, '~1');

/**
 * The images of an object of `kind`, or `undefined` when the kind has no pod spec Signet reads (a Service, or a
 * template kind under `podsOnly`). An empty `image` (a template defaulted later) is skipped, not an error; a
 * container that is not an object or an image that is not a string is reported as the string it is not.
 */
export function containerImages(kind: string, object: unknown, opts: { podsOnly?: boolean } = {}): ContainerImage[] | undefined {
  const path = POD_SPEC_PATHS[kind];
  if (!path || (opts.podsOnly && kind !== 'Pod')) return undefined;
  let spec: unknown = object;
  for (const key of path) spec = isRecord(spec) ? spec[key] : undefined;
  if (!isRecord(spec)) return [];
  const prefix = '/' + path.map(escapePointer).join('/');
  const out: ContainerImage[] = [];
  for (const list of CONTAINER_LISTS) {
    const containers = spec[list];
    if (!Array.isArray(containers)) continue;
    containers.forEach((c: unknown, i) => {
      const image = isRecord(c) ? c.image : undefined;
      if (image === undefined || image === '') return;
      const name = isRecord(c) && typeof c.name === 'string' ? c.name : `#${i}`;
      out.push({
        list,
        container: name,
        image: typeof image === 'string' ? image : JSON.stringify(image),
        pointer: `${prefix}/${list}/${i}/image`,
      });
    });
  }
  return out;
}
