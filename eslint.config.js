// @ts-check
import js from '@eslint/js'
import tseslint from 'typescript-eslint'
import reactHooks from 'eslint-plugin-react-hooks'
import globals from 'globals'
import { builtinModules } from 'node:module'
import local from './lint/engine-floors.js'

/**
 * The layer rules of docs/architecture.md, as lint errors. Each folder states where its code
 * may run; an import that would drag a runtime into the wrong place fails `npm run lint`.
 */
const nodeBuiltins = [...builtinModules, ...builtinModules.map((m) => `node:${m}`)]
const electron = {
  name: 'electron',
  message: 'Electron is only for src/main, src/preload and src/utility.',
}
const noReact = [
  {
    group: ['react', 'react-dom', 'react/*', 'react-dom/*', 'zustand', 'zustand/*'],
    message: 'React belongs to src/renderer.',
  },
]
const noNode = nodeBuiltins.map((name) => ({
  name,
  message: 'Node builtins do not belong in this layer.',
}))
/**
 * A feature reaches the engine through the door (store/engine-door.ts: `send`, `ask`, `listen`),
 * never through the connection itself: the client changes with every reconnection, and the
 * door is where a refusal is shown, once. The shell's own calls (folder picker, restart) are
 * not the engine's and stay importable.
 */
const viaTheDoor = 'Features reach the engine through store/engine-door.ts (send, ask, listen).'
const noConnection = [
  {
    regex: '(^|/)store/engine-sink(\\.ts)?$',
    allowImportNames: ['pickFolder', 'restartEngine'],
    message: viaTheDoor,
  },
  { regex: '(^|/)lib/connection(/|$)', message: viaTheDoor },
  { regex: '(^|/)shared/protocol/rpc(\\.ts)?$', message: viaTheDoor },
]
const noRendererImports = [
  { group: ['**/renderer/**'], message: 'Only src/renderer may import renderer code.' },
]

export default tseslint.config(
  {
    ignores: [
      'out/**',
      'node_modules/**',
      'test-results/**',
      'playwright-report/**',
      'bench/results/**',
      'test/lint-fixtures/**',
      // AriaNg's built release (MIT), as published: see test/fixtures/ariang/SOURCE.md.
      'test/fixtures/ariang/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      'no-restricted-syntax': [
        'error',
        {
          selector: 'TSEnumDeclaration',
          message: 'Enums are not erasable; use a union of string literals.',
        },
        {
          selector: 'TSModuleDeclaration[kind="namespace"]',
          message: 'Namespaces are not erasable.',
        },
        { selector: 'TSParameterProperty', message: 'Parameter properties are not erasable.' },
      ],
    },
  },
  {
    files: ['src/shared/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        { paths: [electron, ...noNode], patterns: [...noReact, ...noRendererImports] },
      ],
    },
  },
  {
    // Tests of shared code run in Node (vitest): they may use Node to build real fixtures.
    files: ['src/shared/**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { paths: [electron], patterns: [...noReact, ...noRendererImports] },
      ],
    },
  },
  {
    files: ['src/engine/**', 'src/cli/**', 'src/server/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        { paths: [electron], patterns: [...noReact, ...noRendererImports] },
      ],
    },
  },
  {
    // Inside the engine, imports run down its floors only (lint/engine-floors.js).
    files: ['src/engine/**'],
    plugins: { local },
    rules: { 'local/engine-floors': 'error' },
  },
  {
    files: ['src/main/**', 'src/preload/**', 'src/utility/**'],
    rules: { 'no-restricted-imports': ['error', { patterns: noRendererImports }] },
  },
  {
    files: ['src/renderer/**'],
    languageOptions: { globals: { ...globals.browser } },
    plugins: { 'react-hooks': reactHooks },
    rules: {
      ...reactHooks.configs.recommended.rules,
      'no-restricted-imports': ['error', { paths: [electron, ...noNode] }],
    },
  },
  {
    files: ['src/renderer/src/features/**'],
    // Tests wire a fake engine to the window the way the page's entry does.
    ignores: ['src/renderer/src/features/**/*.test.ts', 'src/renderer/src/features/**/*.test.tsx'],
    rules: {
      'no-restricted-imports': ['error', { paths: [electron, ...noNode], patterns: noConnection }],
    },
  },
)
