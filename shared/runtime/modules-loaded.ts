/**
 * Said on the process once a function has loaded every module it runs, before it connects to
 * anything: the image build writes the function's V8 code cache at that moment
 * (code-cache-start.ts, scripts/bundle.mjs).
 */
export const MODULES_LOADED_EVENT = 'dendrite:modules-loaded';

export function sayModulesLoaded(): void {
  // process.emit's typings know Node's own events only; a custom name is allowed at run time.
  (process.emit as (event: string) => boolean)(MODULES_LOADED_EVENT);
}
