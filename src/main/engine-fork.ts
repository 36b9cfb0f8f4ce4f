import { ENGINE_HOST_ENV, ENGINE_HOST_NODE_FLAGS } from '../engine/memory-limits.ts'

/**
 * Variables the engine's process must not inherit: ELECTRON_RUN_AS_NODE and NODE_OPTIONS
 * change what the process runs (NODE_OPTIONS can `--require` any file), the inspector ones
 * open a debugging port.
 */
const DROPPED = [
  'ELECTRON_RUN_AS_NODE',
  'NODE_OPTIONS',
  'NODE_INSPECT',
  'ELECTRON_ENABLE_STACK_DUMPING',
]

/** The environment for the engine's utility process: inherited, sanitized, plus ENGINE_HOST_ENV. */
export function engineHostEnv(
  inherited: Readonly<Record<string, string | undefined>>,
): Record<string, string> {
  const env: Record<string, string> = {}
  for (const [name, value] of Object.entries(inherited)) {
    if (value === undefined || DROPPED.includes(name.toUpperCase())) continue
    env[name] = value
  }
  return { ...env, ...ENGINE_HOST_ENV }
}

/** Options for `utilityProcess.fork` of the engine host. */
export function engineForkOptions(inherited: Readonly<Record<string, string | undefined>>) {
  return {
    serviceName: 'Downpour engine',
    execArgv: [...ENGINE_HOST_NODE_FLAGS],
    env: engineHostEnv(inherited),
    // Captured into the engine log (userData/logs/engine.log) and kept for the error view.
    stdio: 'pipe' as const,
  }
}
