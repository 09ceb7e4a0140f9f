/** CloudEvent types Dendrite consumes and emits, and the data each carries. */
import type { TaskUsage } from '../task/model.js';

/** ApiServerSource (Resource mode): data is the whole object. */
export const APISERVER_ADD = 'dev.knative.apiserver.resource.add';
export const APISERVER_UPDATE = 'dev.knative.apiserver.resource.update';
export const APISERVER_DELETE = 'dev.knative.apiserver.resource.delete';
export const APISERVER_TYPES = [APISERVER_ADD, APISERVER_UPDATE, APISERVER_DELETE] as const;

/** Emitted when a Task may launch: its prompt is rendered. Consumed by launcher. */
export const TASK_READY = 'dev.dendrite.task.ready';
/** Emitted when a Task reaches a terminal phase, for other systems to follow. */
export const TASK_SUCCEEDED = 'dev.dendrite.task.succeeded';
export const TASK_FAILED = 'dev.dendrite.task.failed';
/**
 * On task.succeeded / task.failed of a Task a TaskSpawner made: the spawner's name (its
 * `axon.io/taskspawner` label), so task-spawner frees a maxConcurrency slot without listing
 * spawners, and skips every other Task's outcome at no cost.
 */
export const TASKSPAWNER_EXTENSION = 'taskspawner';
/** Sent by another system with the outcome of an external Task (refused for any other). */
export const JOB_COMPLETED = 'dev.dendrite.job.completed';

/**
 * GitHub webhook deliveries, as Knative's GitHub source types them (github-webhook sends the same):
 * data is GitHub's payload; taken by task-spawner for its githubIssues spawners.
 */
export const GITHUB_ISSUES = 'dev.knative.source.github.issues';
export const GITHUB_PULL_REQUEST = 'dev.knative.source.github.pull_request';

/** Sent by another system to create Tasks (one, or a DAG as {items}); taken by task-submit. */
export const TASK_SUBMIT = 'dev.dendrite.task.submit';
/** task-submit's reply: the Tasks of a submission, each with its uid. */
export const TASK_SUBMITTED = 'dev.dendrite.task.submitted';

export interface TaskSubmittedData {
  namespace: string;
  /** The label value the Tasks carry (dendrite.dev/submission): `kubectl get tasks -l dendrite.dev/submission=<it>`. */
  submission: string;
  items: Array<{ name: string; uid: string; created: boolean }>;
}

export interface TaskReadyData {
  namespace: string;
  name: string;
  uid: string;
  prompt: string;
}

export interface TaskSucceededData {
  namespace: string;
  name: string;
  uid: string;
  outputs: string[];
  results: Record<string, string>;
  response: string;
  usage?: TaskUsage;
}

export interface TaskFailedData {
  namespace: string;
  name: string;
  uid: string;
  message: string;
}

export interface JobCompletedData {
  namespace: string;
  task: string;
  succeeded: boolean;
  outputs?: string[];
  results?: Record<string, string>;
  /** The work's answer, for dependents' `.Deps.<name>.Response`. */
  response?: string;
  message?: string;
}
