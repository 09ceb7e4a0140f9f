/** The render process's defaults, apart from host.ts so that config parsing loads nothing else. */

/** Heap of the render process (V8 old space), MiB: far above what the in-engine limits let a render build. */
export const DEFAULT_RENDER_MEMORY_MB = 256;
