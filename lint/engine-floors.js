// @ts-check
import { dirname, relative, resolve, sep } from 'node:path'

/**
 * The floors of src/engine, ground first (docs/architecture.md, "The engine's floors"). A file
 * may import from its own floor and the floors below; an import from a floor above is an error.
 * Each entry is a folder of src/engine or a file directly in it. A new room must be given a
 * floor here before it lints: an unplaced room is reported, so the plan cannot go stale.
 */
export const ENGINE_FLOORS = [
  ['model', 'memory-limits.ts'],
  ['segments', 'stats', 'storage'],
  ['naming', 'checksum'],
  ['transfer'],
  ['details'],
  ['scheduler'],
  ['engine.ts'],
]

const ENGINE = `src${sep}engine${sep}`

/** The room of a path under src/engine (its first folder, or the file itself), or null. */
function roomOf(/** @type {string} */ path, /** @type {string} */ cwd) {
  const inRepo = relative(cwd, path)
  if (!inRepo.startsWith(ENGINE)) return null
  return inRepo.slice(ENGINE.length).split(sep)[0] ?? null
}

function floorOf(/** @type {string} */ room) {
  return ENGINE_FLOORS.findIndex((rooms) => rooms.includes(room))
}

/**
 * In the manner of VS Code's `code-layering` rule: each relative import is resolved against the
 * importing file, so `../scheduler/x.ts`, `./x.ts` and re-exports are judged by where they
 * land, not by how they are spelled. Tests are exempt (they set up whatever floor they test).
 * @type {import('eslint').Rule.RuleModule}
 */
const engineFloors = {
  meta: {
    type: 'problem',
    docs: { description: 'src/engine imports only from its own floor and the floors below' },
    schema: [],
  },
  create(context) {
    const file = context.filename
    const cwd = context.cwd
    const room = roomOf(file, cwd)
    if (room === null || /\.test\.tsx?$/.test(file)) return {}
    const floor = floorOf(room)
    /** @param {import('estree').Node & { source?: unknown }} node */
    const check = (node) => {
      const source = /** @type {{ value?: unknown } | null | undefined} */ (node.source)
      if (typeof source?.value !== 'string' || !source.value.startsWith('.')) return
      const target = roomOf(resolve(dirname(file), source.value), cwd)
      if (target === null || target === room) return
      const targetFloor = floorOf(target)
      if (floor === -1 || targetFloor === -1) {
        const unplaced = floor === -1 ? room : target
        context.report({
          node,
          message: `src/engine/${unplaced} is on no floor: give it one in ENGINE_FLOORS (lint/engine-floors.js)`,
        })
      } else if (targetFloor > floor) {
        context.report({
          node,
          message:
            `src/engine/${room} (floor ${floor}) must not import src/engine/${target} (floor ` +
            `${targetFloor}): an import runs down the floors only; move what both need lower`,
        })
      }
    }
    return {
      ImportDeclaration: check,
      ExportNamedDeclaration: check,
      ExportAllDeclaration: check,
      ImportExpression: check,
    }
  },
}

export default { rules: { 'engine-floors': engineFloors } }
