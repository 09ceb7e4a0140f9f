/** Reading a Job's view of its Task lives with the flows (resync reads Jobs too). */
export { jobView, TASK_LABEL, viewJob, type JobView } from '../../shared/flow/job-view.js';
