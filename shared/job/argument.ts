/**
 * Linux refuses a single program argument — and a single `NAME=value` environment string — of
 * MAX_ARG_STRLEN (32 pages = 128 KiB) or more, counting its terminating NUL. The prompt is one
 * argument, each init container's script is one (`sh -c <script>`), AXON_AGENTS_MD one
 * environment string: a larger one could never start.
 */
export const MAX_SINGLE_ARGUMENT_BYTES = 128 * 1024 - 1;

/** Bytes of an environment string `NAME=value` as the kernel counts it (without the NUL). */
export function envStringBytes(name: string, value: string): number {
  return Buffer.byteLength(name) + 1 + Buffer.byteLength(value);
}
