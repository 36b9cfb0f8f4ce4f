import type { ESLint } from 'eslint'

/** See engine-floors.js: the floors of src/engine, ground first. */
export const ENGINE_FLOORS: string[][]
declare const plugin: ESLint.Plugin
export default plugin
