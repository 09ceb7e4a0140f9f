/**
 * Messages between a renderer and its render process (JSON over the IPC channel). One request
 * is in flight at a time, so a process stopped for overrunning takes only that request with it.
 */
import type { TemplateDialect } from '../../task/model.js';
import type { TemplateStage } from '../errors.js';
import type { RenderLimits } from '../limits.js';
import type { ReferencedDependencies, TemplateData } from '../renderer.js';

export type RenderRequest =
  | { id: number; op: 'inspect'; template: string; dialect: TemplateDialect; limits: RenderLimits }
  | { id: number; op: 'render'; template: string; dialect: TemplateDialect; data: TemplateData; limits: RenderLimits };

/** A TemplateError as it crosses the channel. */
export interface WireTemplateError {
  message: string;
  stage: TemplateStage;
  line?: number;
  column?: number;
}

export type RenderReply =
  | { id: number; ok: true; deps: ReferencedDependencies }
  | { id: number; ok: true; output: string }
  | { id: number; ok: false; error: WireTemplateError }
  /** Something other than a TemplateError: a bug, reported as such (never the template's fault). */
  | { id: number; ok: false; internal: string };

/** Sent once, when the process has loaded the engines and takes requests. */
export interface ReadyMessage {
  ready: true;
}
