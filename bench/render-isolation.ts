/**
 * What rendering in a separate process costs (shared/template/isolated), measured in one run
 * against the engines called in process: per render of the seed orchestrator prompt, and for
 * the fan-in release event — the last completion through job-status until task.ready, which
 * renders the released Task's prompt. Rounds alternate between the two, so both see the same
 * machine.
 */
import { readFileSync } from 'node:fs';
import { parseAllDocuments } from 'yaml';
import { TASK_READY } from '../shared/events/types.js';
import { createInProcessRenderer, type PromptRenderer, type TemplateData } from '../shared/template/index.js';
import { isolatedRenderer } from '../test/support/renderer.js';
import { startBenchEngine, type BenchEngine } from './support/engine.js';
import { runOnce } from './fan-in.js';
import { isMain, printSection } from './support/main.js';
import { fmt, median, percentile, table, verdict } from './support/stats.js';

export interface RenderIsolationOptions {
  /** Renders of the seed prompt per renderer, over all rounds. */
  renders: number;
  rounds: number;
  /** Dependencies of the fan-in whose release event is timed, and how many releases per renderer. */
  fanInWidth: number;
  releases: number;
}

export const FULL_RENDER_ISOLATION: RenderIsolationOptions = { renders: 20_000, rounds: 10, fanInWidth: 100, releases: 40 };

interface Figures {
  p50: number;
  p99: number;
}

export interface RenderIsolationResult {
  render: { inProcess: Figures; isolated: Figures };
  release: { inProcess: Figures; isolated: Figures };
  /** isolated / in-process, at the median. */
  renderRatio: number;
  releaseRatio: number;
}

const SEED = new URL('../../examples/05-orchestrator/tasks.yaml', import.meta.url);

function seedPrompt(): string {
  const docs = parseAllDocuments(readFileSync(SEED, 'utf8')).map((d) => d.toJS() as { metadata: { name: string }; spec: { prompt: string } });
  return docs.find((d) => d.metadata.name === 'synthesize-design')!.spec.prompt;
}

const SEED_DATA: TemplateData = {
  Deps: {
    'research-api-design': {
      Outputs: ['GET /projects - list projects (paginated)', 'POST /projects - create a project', 'GET /projects/{id}/tasks - list the tasks of a project'],
      Results: null,
      Name: 'research-api-design',
    },
    'research-data-model': {
      Outputs: ['schema: Project(id, name) 1-n Task(id, project_id) 1-n Comment(id, project_id)'],
      Results: { schema: 'Project(id, name) 1-n Task(id, project_id) 1-n Comment(id, project_id)' },
      Name: 'research-data-model',
    },
  },
};

const figures = (ms: number[]): Figures => ({ p50: median(ms), p99: percentile(ms, 99) });

async function timeRenders(renderer: PromptRenderer, template: string, count: number, out: number[]): Promise<void> {
  for (let i = 0; i < count; i++) {
    const started = performance.now();
    await renderer.render(template, 'go', SEED_DATA);
    out.push(performance.now() - started);
  }
}

async function engineWith(renderer: PromptRenderer, readyAt: Map<string, number>): Promise<BenchEngine> {
  return startBenchEngine({
    functions: ['job-status'],
    renderer,
    onEmit: (event) => {
      if (event.type === TASK_READY) readyAt.set((event.data as { namespace: string }).namespace, performance.now());
    },
  });
}

export async function runRenderIsolation(options: RenderIsolationOptions): Promise<RenderIsolationResult> {
  const template = seedPrompt();
  const inProcess = createInProcessRenderer();
  const isolated = isolatedRenderer();
  await isolated.warm();
  const renders = { inProcess: [] as number[], isolated: [] as number[] };
  const perRound = Math.max(1, Math.ceil(options.renders / options.rounds));
  // JIT and the compiled-template caches on both sides.
  await timeRenders(inProcess, template, 2000, []);
  await timeRenders(isolated, template, 2000, []);
  for (let r = 0; r < options.rounds; r++) {
    await timeRenders(inProcess, template, perRound, renders.inProcess);
    await timeRenders(isolated, template, perRound, renders.isolated);
  }

  const readyAt = new Map<string, number>();
  const engines = { inProcess: await engineWith(inProcess, readyAt), isolated: await engineWith(isolated, readyAt) };
  const releases = { inProcess: [] as number[], isolated: [] as number[] };
  try {
    for (let r = 0; r < 5; r++) {
      for (const [name, engine] of Object.entries(engines)) await runOnce(engine, engine.urls['job-status']!, readyAt, `warm-${name}-${r}`, 10);
    }
    for (let r = 0; r < options.releases; r++) {
      for (const name of ['inProcess', 'isolated'] as const) {
        const engine = engines[name];
        const run = await runOnce(engine, engine.urls['job-status']!, readyAt, `rel-${name}-${r}`, options.fanInWidth);
        releases[name].push(run.lastToReady);
      }
    }
  } finally {
    await Promise.all([engines.inProcess.close(), engines.isolated.close()]);
  }
  const result = {
    render: { inProcess: figures(renders.inProcess), isolated: figures(renders.isolated) },
    release: { inProcess: figures(releases.inProcess), isolated: figures(releases.isolated) },
  };
  return {
    ...result,
    renderRatio: result.render.isolated.p50 / result.render.inProcess.p50,
    releaseRatio: result.release.isolated.p50 / result.release.inProcess.p50,
  };
}

export function renderIsolationReport(r: RenderIsolationResult, options: RenderIsolationOptions): string {
  return [
    `The seed prompt (synthesize-design) rendered ${options.renders} times by each, and the release of a Task waiting on ` +
      `${options.fanInWidth} dependencies ${options.releases} times through job-status (HTTP, real Redis); rounds alternate. Times in ms.`,
    '',
    table(
      ['', 'in process p50', 'p99', 'render process p50', 'p99', 'ratio (p50)'],
      [
        ['one render of the seed prompt', r.render.inProcess.p50, r.render.inProcess.p99, r.render.isolated.p50, r.render.isolated.p99, r.renderRatio],
        ['release event (last completion → task.ready)', r.release.inProcess.p50, r.release.inProcess.p99, r.release.isolated.p50, r.release.isolated.p99, r.releaseRatio],
      ],
    ),
    '',
    `Release event with isolation / without: ${fmt(r.releaseRatio)} (goal ≤ 1.5: ${verdict(r.releaseRatio <= 1.5)}).`,
  ].join('\n');
}

if (isMain(import.meta.url)) {
  printSection('Rendering in a separate process', renderIsolationReport(await runRenderIsolation(FULL_RENDER_ISOLATION), FULL_RENDER_ISOLATION));
}
