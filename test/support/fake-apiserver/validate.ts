/**
 * The slice of the API server's validation that catches mistakes a client can make with the
 * objects Dendrite writes: invalid names, Jobs the batch API would refuse, and core/v1 Events
 * whose `eventTime` makes the server demand the "new event" fields. Each cause names a field,
 * as the real 422 `Invalid` Status does.
 */

export interface Cause {
  field: string;
  message: string;
}

type Obj = Record<string, unknown>;

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const QUALIFIED_NAME = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
/** metav1.MicroTime only parses RFC 3339 with exactly six fractional digits. */
const MICRO_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}(Z|[+-]\d\d:\d\d)$/;
const TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/;

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function str(v: unknown): string {
  return typeof v === 'string' ? v : '';
}

export function validateName(name: string, maxLength: number, label: boolean): string | undefined {
  if (name.length > maxLength) return `must be no more than ${maxLength} characters`;
  if (!(label ? DNS_LABEL : DNS_SUBDOMAIN).test(name)) {
    return label
      ? "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-'"
      : "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.'";
  }
  return undefined;
}

function validateOwnerReferences(meta: Obj, causes: Cause[]): void {
  const refs = meta.ownerReferences;
  if (refs === undefined) return;
  if (!Array.isArray(refs)) {
    causes.push({ field: 'metadata.ownerReferences', message: 'must be a list' });
    return;
  }
  let controllers = 0;
  refs.forEach((ref: unknown, i) => {
    const r = isObj(ref) ? ref : {};
    for (const key of ['apiVersion', 'kind', 'name', 'uid']) {
      if (str(r[key]) === '') causes.push({ field: `metadata.ownerReferences[${i}].${key}`, message: 'Required value' });
    }
    if (r.controller === true) controllers++;
  });
  if (controllers > 1) causes.push({ field: 'metadata.ownerReferences', message: 'Only one reference can have Controller set to true' });
}

function validateContainers(spec: Obj, causes: Cause[]): void {
  const containers = spec.containers;
  if (!Array.isArray(containers) || containers.length === 0) {
    causes.push({ field: 'spec.template.spec.containers', message: 'Required value' });
    return;
  }
  const initContainers = Array.isArray(spec.initContainers) ? spec.initContainers : [];
  // Volumes a container may mount; every container name unique across both lists.
  const volumes = new Set((Array.isArray(spec.volumes) ? spec.volumes : []).map((v: unknown) => str(isObj(v) ? v.name : undefined)));
  const names = new Set<string>();
  const all = [...initContainers.map((c: unknown, i) => [c, `spec.template.spec.initContainers[${i}]`] as const), ...containers.map((c: unknown, i) => [c, `spec.template.spec.containers[${i}]`] as const)];
  all.forEach(([c, at]) => {
    const container = isObj(c) ? c : {};
    if (names.has(str(container.name))) causes.push({ field: `${at}.name`, message: `Duplicate value: ${JSON.stringify(container.name)}` });
    names.add(str(container.name));
    const mounts = Array.isArray(container.volumeMounts) ? container.volumeMounts : [];
    mounts.forEach((m: unknown, j) => {
      const mount = isObj(m) ? m : {};
      if (!volumes.has(str(mount.name))) causes.push({ field: `${at}.volumeMounts[${j}].name`, message: `Not found: ${JSON.stringify(mount.name)}` });
      if (!str(mount.mountPath).startsWith('/')) causes.push({ field: `${at}.volumeMounts[${j}].mountPath`, message: 'must be an absolute path' });
    });
  });
  all.forEach(([c, at]) => {
    const container = isObj(c) ? c : {};
    const nameError = validateName(str(container.name), 63, true);
    if (nameError) causes.push({ field: `${at}.name`, message: nameError });
    if (str(container.image) === '') causes.push({ field: `${at}.image`, message: 'Required value' });
    const env = container.env;
    if (env !== undefined && !Array.isArray(env)) causes.push({ field: `${at}.env`, message: 'must be a list' });
    if (Array.isArray(env)) {
      env.forEach((e: unknown, j) => {
        const entry = isObj(e) ? e : {};
        if (str(entry.name) === '') causes.push({ field: `${at}.env[${j}].name`, message: 'Required value' });
        if (entry.value !== undefined && entry.valueFrom !== undefined) {
          causes.push({ field: `${at}.env[${j}].valueFrom`, message: 'may not be specified when `value` is not empty' });
        }
      });
    }
  });
}

export function validateJob(job: Obj): Cause[] {
  const causes: Cause[] = [];
  const meta = isObj(job.metadata) ? job.metadata : {};
  // A Job's name becomes the value of its pods' job-name label, hence the 63-character limit.
  const nameError = validateName(str(meta.name), 63, true);
  if (nameError) causes.push({ field: 'metadata.name', message: nameError });
  validateOwnerReferences(meta, causes);
  const spec = isObj(job.spec) ? job.spec : {};
  for (const key of ['backoffLimit', 'ttlSecondsAfterFinished']) {
    const v = spec[key];
    if (v !== undefined && (!Number.isInteger(v) || (v as number) < 0)) {
      causes.push({ field: `spec.${key}`, message: 'must be greater than or equal to 0' });
    }
  }
  const deadline = spec.activeDeadlineSeconds;
  if (deadline !== undefined && (!Number.isInteger(deadline) || (deadline as number) <= 0)) {
    causes.push({ field: 'spec.activeDeadlineSeconds', message: 'must be greater than 0' });
  }
  const template = isObj(spec.template) ? spec.template : {};
  const podSpec = isObj(template.spec) ? template.spec : {};
  const restart = podSpec.restartPolicy;
  if (restart !== 'Never' && restart !== 'OnFailure') {
    causes.push({ field: 'spec.template.spec.restartPolicy', message: 'Unsupported value: supported values: "OnFailure", "Never"' });
  }
  validateContainers(podSpec, causes);
  return causes;
}

/**
 * core/v1 Event rules: an Event without `eventTime` must sit in its object's namespace; one
 * with `eventTime` must also carry reportingComponent, reportingInstance and action, and its
 * reason and message are length-limited.
 */
export function validateEvent(event: Obj, namespace: string): Cause[] {
  const causes: Cause[] = [];
  const meta = isObj(event.metadata) ? event.metadata : {};
  const nameError = validateName(str(meta.name), 253, false);
  if (nameError) causes.push({ field: 'metadata.name', message: nameError });
  const involved = isObj(event.involvedObject) ? event.involvedObject : {};
  const involvedNs = str(involved.namespace);
  const eventTime = event.eventTime;
  if (eventTime === undefined || eventTime === null || eventTime === '') {
    if (involvedNs !== namespace && !(involvedNs === '' && namespace === 'default')) {
      causes.push({ field: 'involvedObject.namespace', message: 'does not match event.namespace' });
    }
  } else {
    if (involvedNs === '' && namespace !== 'default' && namespace !== 'kube-system') {
      causes.push({ field: 'involvedObject.namespace', message: 'does not match event.namespace' });
    }
    const controller = str(event.reportingComponent);
    if (controller === '') causes.push({ field: 'reportingComponent', message: 'Required value' });
    else if (!QUALIFIED_NAME.test(controller)) causes.push({ field: 'reportingComponent', message: 'must be a qualified name' });
    const instance = str(event.reportingInstance);
    if (instance === '') causes.push({ field: 'reportingInstance', message: 'Required value' });
    if (instance.length > 128) causes.push({ field: 'reportingInstance', message: 'can have at most 128 characters' });
    const action = str(event.action);
    if (action === '') causes.push({ field: 'action', message: 'Required value' });
    if (action.length > 128) causes.push({ field: 'action', message: 'can have at most 128 characters' });
    const reason = str(event.reason);
    if (reason === '') causes.push({ field: 'reason', message: 'Required value' });
    if (reason.length > 128) causes.push({ field: 'reason', message: 'can have at most 128 characters' });
    // Go's len() counts bytes, so the limit is 1024 bytes of UTF-8.
    if (Buffer.byteLength(str(event.message)) > 1024) causes.push({ field: 'message', message: 'can have at most 1024 characters' });
  }
  return causes;
}

/**
 * Fields the API server must be able to decode at all; a bad one is a 400 BadRequest
 * (the request body cannot be read), not a 422.
 */
export function decodeErrors(type: string, obj: Obj): string | undefined {
  if (type === 'events') {
    const eventTime = obj.eventTime;
    if (eventTime !== undefined && eventTime !== null && !(typeof eventTime === 'string' && MICRO_TIME.test(eventTime))) {
      return `eventTime: cannot parse ${JSON.stringify(eventTime)} as RFC 3339 with microseconds`;
    }
    for (const key of ['firstTimestamp', 'lastTimestamp']) {
      const v = obj[key];
      if (v !== undefined && v !== null && !(typeof v === 'string' && TIME.test(v))) {
        return `${key}: cannot parse ${JSON.stringify(v)} as RFC 3339`;
      }
    }
  }
  return undefined;
}
