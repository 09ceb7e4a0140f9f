/**
 * Task validation. Events can reach the functions without passing the API server (brokers,
 * other systems, replays), so everything the CRD schema checks is checked again here, plus
 * what a schema cannot say: name rules, self-dependency, duplicates. Every message names the
 * field and says what to fix; the message becomes the Task's `Failed` status or a 400 body.
 */
import { PermanentError } from '../errors.js';
import {
  AGENT_TYPES,
  EXTERNAL_TYPE,
  TASK_TYPES,
  CREDENTIAL_TYPES,
  TASK_API_VERSION,
  TASK_KIND,
  TEMPLATE_ANNOTATION,
  type Task,
  type TemplateDialect,
} from './model.js';

/** Most dependencies one Task may list; bounds the work one registration does. */
export const MAX_DEPENDENCIES = 10_000;

/** A Task name becomes the Job name and the pods' `job-name` label value: a DNS-1123 label. */
export const MAX_NAME_LENGTH = 63;

/** Longest error list returned; the rest are counted, so a `Failed` message stays readable. */
export const MAX_REPORTED_ERRORS = 20;

/** Largest integer a Job's `ttlSecondsAfterFinished` (int32) can hold. */
const MAX_INT32 = 2_147_483_647;

const PHASES = ['Pending', 'Waiting', 'Running', 'Succeeded', 'Failed'] as const;

const DIALECTS: Record<string, TemplateDialect> = { nunjucks: 'nunjucks' };

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const NAME_RULE =
  `use at most ${MAX_NAME_LENGTH} lowercase letters, digits and '-', starting and ending with a letter or digit`;

export type ValidationResult = { ok: true; task: Task } | { ok: false; errors: string[] };

export function validateTask(input: unknown): ValidationResult {
  const errors: string[] = [];
  if (!isObject(input)) {
    return { ok: false, errors: [`the Task must be an object, got ${kindOf(input)}`] };
  }
  if (input.apiVersion !== TASK_API_VERSION) {
    errors.push(`apiVersion: expected "${TASK_API_VERSION}", got ${show(input.apiVersion)}`);
  }
  if (input.kind !== TASK_KIND) {
    errors.push(`kind: expected "${TASK_KIND}", got ${show(input.kind)}`);
  }
  const name = checkMetadata(input.metadata, errors);
  checkSpec(input.spec, name, errors);
  checkStatus(input.status, errors);
  if (errors.length > 0) return { ok: false, errors: capped(errors) };
  return { ok: true, task: input as unknown as Task };
}

/**
 * The prompt dialect a Task asks for: `nunjucks` through the annotation, Go text/template
 * when it is absent. Throws PermanentError for any other value (validateTask reports the
 * same problem, so a validated Task never throws here).
 */
export function templateDialectOf(task: Task): TemplateDialect {
  const problem = dialectProblem(task.metadata.annotations);
  if (problem !== undefined) throw new PermanentError(problem);
  const value = task.metadata.annotations?.[TEMPLATE_ANNOTATION];
  return value === undefined ? 'go' : (DIALECTS[value] as TemplateDialect);
}

/** Whether `name` can name a Task (and so its Job): a DNS-1123 label of at most 63 characters. */
export function isValidTaskName(name: string): boolean {
  return name.length <= MAX_NAME_LENGTH && DNS_LABEL.test(name);
}

function checkMetadata(metadata: unknown, errors: string[]): string | undefined {
  if (!isObject(metadata)) {
    errors.push(`metadata: must be an object with name, namespace and uid, got ${kindOf(metadata)}`);
    return undefined;
  }
  let name: string | undefined;
  if (typeof metadata.name !== 'string' || metadata.name === '') {
    errors.push(`metadata.name: missing — give the Task a name (${NAME_RULE})`);
  } else if (!isValidTaskName(metadata.name)) {
    errors.push(
      `metadata.name: ${show(metadata.name)} is not a valid Task name — ${NAME_RULE}; ` +
        `it becomes the Job name and its job-name label`,
    );
  } else {
    name = metadata.name;
  }
  if (typeof metadata.namespace !== 'string' || metadata.namespace === '') {
    errors.push('metadata.namespace: missing — a Task lives in a namespace; send the object as the API server stores it');
  } else if (!isValidTaskName(metadata.namespace)) {
    errors.push(`metadata.namespace: ${show(metadata.namespace)} is not a valid namespace name — ${NAME_RULE}`);
  }
  if (typeof metadata.uid !== 'string' || metadata.uid === '') {
    errors.push('metadata.uid: missing — send the object as the API server stores it (the uid owns the Job)');
  }
  checkStringMap(metadata.labels, 'metadata.labels', errors);
  if (checkStringMap(metadata.annotations, 'metadata.annotations', errors)) {
    const problem = dialectProblem(metadata.annotations as Record<string, string> | undefined);
    if (problem !== undefined) errors.push(problem);
  }
  return name;
}

function dialectProblem(annotations: Record<string, string> | undefined): string | undefined {
  if (annotations === undefined || !Object.hasOwn(annotations, TEMPLATE_ANNOTATION)) return undefined;
  const value = annotations[TEMPLATE_ANNOTATION];
  if (typeof value === 'string' && Object.hasOwn(DIALECTS, value)) return undefined;
  return (
    `metadata.annotations["${TEMPLATE_ANNOTATION}"]: ${show(value)} is not a template dialect — ` +
    `use "nunjucks", or remove the annotation for Go text/template`
  );
}

function checkSpec(spec: unknown, name: string | undefined, errors: string[]): void {
  if (!isObject(spec)) {
    errors.push(`spec: missing — a Task needs spec.type, spec.prompt and spec.credentials`);
    return;
  }
  if (spec.type === undefined) {
    errors.push(`spec.type: missing — choose the agent: ${list(AGENT_TYPES)} (or "${EXTERNAL_TYPE}": another system does the work)`);
  } else if (!includes(TASK_TYPES, spec.type)) {
    errors.push(`spec.type: ${show(spec.type)} is not a supported agent — use one of ${list(AGENT_TYPES)}, or "${EXTERNAL_TYPE}"`);
  }
  if (spec.prompt === undefined) {
    errors.push('spec.prompt: missing — say what the agent should do');
  } else if (typeof spec.prompt !== 'string') {
    errors.push(`spec.prompt: must be a string, got ${kindOf(spec.prompt)}`);
  } else if (spec.prompt.trim() === '') {
    errors.push('spec.prompt: is empty — say what the agent should do');
  }
  // An external Task runs nothing of Dendrite's: no credentials to hand an agent.
  if (spec.type !== EXTERNAL_TYPE || spec.credentials !== undefined) checkCredentials(spec.credentials, errors);
  optionalString(spec.model, 'spec.model', errors);
  optionalString(spec.image, 'spec.image', errors);
  optionalString(spec.branch, 'spec.branch', errors);
  checkDependsOn(spec.dependsOn, name, errors);
  checkInteger(spec.ttlSecondsAfterFinished, 'spec.ttlSecondsAfterFinished', 0, MAX_INT32, errors);
  checkRef(spec.workspaceRef, 'spec.workspaceRef', errors);
  checkRef(spec.agentConfigRef, 'spec.agentConfigRef', errors);
  checkPodOverrides(spec.podOverrides, errors);
}

function checkCredentials(credentials: unknown, errors: string[]): void {
  const fix = `give {type: ${list(CREDENTIAL_TYPES)}, secretRef: {name: <Secret name>}}`;
  if (credentials === undefined) {
    errors.push(`spec.credentials: missing — ${fix}`);
    return;
  }
  if (!isObject(credentials)) {
    errors.push(`spec.credentials: must be an object, got ${kindOf(credentials)} — ${fix}`);
    return;
  }
  if (credentials.type === undefined) {
    errors.push(`spec.credentials.type: missing — use one of ${list(CREDENTIAL_TYPES)}`);
  } else if (!includes(CREDENTIAL_TYPES, credentials.type)) {
    errors.push(
      `spec.credentials.type: ${show(credentials.type)} is not a credential type — use one of ${list(CREDENTIAL_TYPES)}`,
    );
  }
  const secretRef = credentials.secretRef;
  if (!isObject(secretRef)) {
    errors.push('spec.credentials.secretRef: missing — name the Secret holding the credential: {name: <Secret name>}');
  } else if (typeof secretRef.name !== 'string' || secretRef.name === '') {
    errors.push('spec.credentials.secretRef.name: missing — name the Secret holding the credential');
  }
}

function checkDependsOn(dependsOn: unknown, self: string | undefined, errors: string[]): void {
  if (dependsOn === undefined) return;
  if (!Array.isArray(dependsOn)) {
    errors.push(`spec.dependsOn: must be a list of Task names, got ${kindOf(dependsOn)}`);
    return;
  }
  if (dependsOn.length > MAX_DEPENDENCIES) {
    // Checked before the entries, so an oversized list costs no per-entry work.
    errors.push(
      `spec.dependsOn: lists ${dependsOn.length} Tasks — at most ${MAX_DEPENDENCIES} are allowed; ` +
        'split the work into stages',
    );
    return;
  }
  const seen = new Set<string>();
  dependsOn.forEach((dep: unknown, i) => {
    const at = `spec.dependsOn[${i}]`;
    if (typeof dep !== 'string') {
      errors.push(`${at}: must be a Task name (a string), got ${kindOf(dep)}`);
    } else if (!isValidTaskName(dep)) {
      errors.push(`${at}: ${show(dep)} is not a valid Task name — ${NAME_RULE}`);
    } else if (dep === self) {
      errors.push(`${at}: the Task depends on itself — remove "${dep}" from dependsOn`);
    } else if (seen.has(dep)) {
      errors.push(`${at}: "${dep}" is listed twice — list each dependency once`);
    } else {
      seen.add(dep);
    }
  });
}

function checkRef(ref: unknown, at: string, errors: string[]): void {
  if (ref === undefined) return;
  if (!isObject(ref) || typeof ref.name !== 'string' || ref.name === '') {
    errors.push(`${at}: must be {name: <name>}, got ${show(ref)}`);
  } else if (ref.name.length > 253 || !DNS_SUBDOMAIN.test(ref.name)) {
    // No object can have such a name: the Task would wait for it forever.
    errors.push(`${at}.name: ${show(ref.name)} cannot name an object — use lowercase letters, digits, '-' and '.'`);
  }
}

function checkPodOverrides(overrides: unknown, errors: string[]): void {
  if (overrides === undefined) return;
  if (!isObject(overrides)) {
    errors.push(`spec.podOverrides: must be an object, got ${kindOf(overrides)}`);
    return;
  }
  if (overrides.resources !== undefined && !isObject(overrides.resources)) {
    errors.push(
      `spec.podOverrides.resources: must be an object like {limits: {cpu: "1"}}, got ${kindOf(overrides.resources)}`,
    );
  }
  checkInteger(
    overrides.activeDeadlineSeconds,
    'spec.podOverrides.activeDeadlineSeconds',
    1,
    Number.MAX_SAFE_INTEGER,
    errors,
  );
  checkEnv(overrides.env, errors);
  checkStringMap(overrides.nodeSelector, 'spec.podOverrides.nodeSelector', errors);
}

function checkEnv(env: unknown, errors: string[]): void {
  if (env === undefined) return;
  if (!Array.isArray(env)) {
    errors.push(`spec.podOverrides.env: must be a list of {name, value} entries, got ${kindOf(env)}`);
    return;
  }
  env.forEach((entry: unknown, i) => {
    const at = `spec.podOverrides.env[${i}]`;
    if (!isObject(entry)) {
      errors.push(`${at}: must be an object {name, value} or {name, valueFrom}, got ${kindOf(entry)}`);
      return;
    }
    if (typeof entry.name !== 'string' || entry.name === '') {
      errors.push(`${at}.name: missing — give the variable a name`);
    }
    optionalString(entry.value, `${at}.value`, errors);
    if (entry.valueFrom !== undefined && !isObject(entry.valueFrom)) {
      errors.push(`${at}.valueFrom: must be an object like {secretKeyRef: {name, key}}, got ${kindOf(entry.valueFrom)}`);
    }
  });
}

function checkStatus(status: unknown, errors: string[]): void {
  if (status === undefined) return;
  if (!isObject(status)) {
    errors.push(`status: must be an object, got ${kindOf(status)}`);
    return;
  }
  if (status.phase !== undefined && !includes(PHASES, status.phase)) {
    errors.push(`status.phase: ${show(status.phase)} is not a phase — expected one of ${list(PHASES)}`);
  }
  for (const field of ['jobName', 'podName', 'startTime', 'completionTime', 'message'] as const) {
    optionalString(status[field], `status.${field}`, errors);
  }
  if (status.outputs !== undefined) {
    if (!Array.isArray(status.outputs) || !status.outputs.every((line) => typeof line === 'string')) {
      errors.push('status.outputs: must be a list of strings');
    }
  }
  checkStringMap(status.results, 'status.results', errors);
}

function checkInteger(value: unknown, at: string, min: number, max: number, errors: string[]): void {
  if (value === undefined) return;
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    errors.push(`${at}: must be a whole number of seconds, got ${show(value)}`);
  } else if (value < min || value > max) {
    errors.push(`${at}: ${value} is out of range — use a whole number from ${min} to ${max}`);
  }
}

function optionalString(value: unknown, at: string, errors: string[]): void {
  if (value !== undefined && typeof value !== 'string') {
    errors.push(`${at}: must be a string, got ${kindOf(value)}`);
  }
}

/** Reports a value that is not a map of strings; true when the value is absent or well-formed. */
function checkStringMap(value: unknown, at: string, errors: string[]): boolean {
  if (value === undefined) return true;
  if (!isObject(value)) {
    errors.push(`${at}: must be a map of strings, got ${kindOf(value)}`);
    return false;
  }
  for (const [key, entry] of Object.entries(value)) {
    if (typeof entry !== 'string') {
      errors.push(`${at}[${show(key)}]: must be a string, got ${kindOf(entry)} — quote the value`);
      return false;
    }
  }
  return true;
}

function capped(errors: string[]): string[] {
  if (errors.length <= MAX_REPORTED_ERRORS) return errors;
  const shown = errors.slice(0, MAX_REPORTED_ERRORS);
  shown.push(`…and ${errors.length - MAX_REPORTED_ERRORS} more problems`);
  return shown;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function includes<T extends string>(allowed: readonly T[], value: unknown): value is T {
  return typeof value === 'string' && (allowed as readonly string[]).includes(value);
}

function list(values: readonly string[]): string {
  return values.map((v) => `"${v}"`).join(', ');
}

function kindOf(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'an object';
  return `${typeof value} ${show(value)}`;
}

/** A value quoted for a message, cut short so a huge input cannot flood a status message. */
function show(value: unknown): string {
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
