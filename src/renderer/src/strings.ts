/**
 * Every label and message the window shows, in one module, so a translation replaces this file
 * and nothing else. Figures are formatted by the callers (format.ts); plural and ordinal rules
 * live here with the words they belong to.
 */

import { formatCount } from '../../shared/format.ts'

const ordinalRules = new Intl.PluralRules('en', { type: 'ordinal' })
const ordinalSuffix: Record<string, string> = { one: 'st', two: 'nd', few: 'rd', other: 'th' }

/** 1 → "1st", 3 → "3rd", 11 → "11th". */
export function ordinal(n: number): string {
  return `${n}${ordinalSuffix[ordinalRules.select(n)] ?? 'th'}`
}

function plural(n: number, one: string, many: string): string {
  return `${formatCount(n)} ${n === 1 ? one : many}`
}

export const t = {
  appName: 'Downpour',
  // Toolbar
  add: 'Add',
  addTitle: 'Add downloads',
  pauseAll: 'Pause all',
  resumeAll: 'Resume all',
  retryFailed: 'Retry failed',
  removeCompleted: 'Remove completed',
  toolbar: 'Download actions',
  moreToolbarActions: 'More actions',
  // Filters and search
  filters: 'Show',
  filterNames: {
    all: 'All',
    active: 'Active',
    queued: 'Queued',
    paused: 'Paused',
    completed: 'Completed',
    failed: 'Failed',
  },
  search: 'Search names and URLs',
  /** A tab's count while a search is typed: "10 of 1,000". */
  foundOf: (found: number, all: number) => `${formatCount(found)} of ${formatCount(all)}`,
  // The list
  listLabel: 'Downloads',
  columns: {
    name: 'Name',
    size: 'Size',
    progress: 'Progress',
    speed: 'Speed',
    eta: 'Time left',
    added: 'Added',
  },
  actionsColumn: 'Actions',
  sort: {
    label: 'Sort by',
    columns: {
      queue: 'Queue order',
      name: 'Name',
      size: 'Size',
      progress: 'Progress',
      speed: 'Speed',
      eta: 'Time left',
      state: 'Status',
      added: 'Date added',
    },
    directions: {
      name: { asc: 'A to Z', desc: 'Z to A' },
      size: { asc: 'smallest first', desc: 'largest first' },
      progress: { asc: 'least done first', desc: 'most done first' },
      speed: { asc: 'slowest first', desc: 'fastest first' },
      eta: { asc: 'soonest first', desc: 'latest first' },
      state: { asc: 'moving first', desc: 'finished first' },
      added: { asc: 'oldest first', desc: 'newest first' },
    },
    /** Why a drag or Alt+arrow does not reorder: the list shows another order. */
    reorderNeedsQueueOrder: (column: string) =>
      `The list is sorted by ${column.toLowerCase()}; queue order can be changed only while the list is in queue order.`,
    backToQueueOrder: 'Show queue order',
    dismiss: 'Dismiss',
  },
  emptyHeading: 'No downloads yet',
  emptyHint: 'Drop links, text or a .txt file here, or paste URLs.',
  noMatchHeading: 'Nothing here',
  noMatchHint: 'No download matches this filter or search.',
  connecting: 'Connecting to the engine…',
  progressOf: (name: string) => `Progress of ${name}`,
  connections: (n: number) => plural(n, 'connection', 'connections'),
  unknownSize: 'size unknown',
  // Row actions
  pause: 'Pause',
  resume: 'Resume',
  retry: 'Retry',
  startNow: 'Start now',
  remove: 'Remove',
  openFile: 'Open file',
  showInFolder: 'Show in folder',
  copyUrl: 'Copy URL',
  moreActions: (name: string) => `More actions for ${name}`,
  rowAction: (action: string, name: string) => `${action} ${name}`,
  selected: (n: number) => `${plural(n, 'download', 'downloads')} selected`,
  // Status lines: why a download is (not) moving
  status: {
    queued: (position: number) => `Queued (${ordinal(position)})`,
    waitingForHost: (host: string) => `Waiting for a free slot on ${host}`,
    connecting: 'Connecting…',
    /** Running, no connection open: its host's connection limit, or reconnecting. */
    waitingForConnection: (host: string) => `Waiting for a connection to ${host}`,
    downloading: 'Downloading',
    /** Running, connections open, no bytes for a while (the server went quiet). */
    stalled: (seconds: number) => `Stalled — no data for ${seconds} s`,
    retrying: (seconds: number, reason: string, attempt: number, maxTries: number) =>
      `${seconds > 0 ? `Retrying in ${seconds} s` : 'Retrying now'} — ${reason} (try ${attempt}${maxTries > 0 ? ` of ${maxTries}` : ''})`,
    pausedResumable: 'Paused — can resume',
    /** Paused by the engine itself (a full disk, a file that will not fit): why, in its words. */
    pausedBecause: (reason: string) => `Paused — ${reason}`,
    pausedRestart: 'Paused — the server cannot resume this; it will restart',
    verifying: (percent: number | null) =>
      percent === null ? 'Verifying…' : `Verifying ${percent} %`,
    completed: 'Completed',
    failed: (reason: string) => `Failed — ${reason}`,
    removed: 'Removed',
  },
  // Remove confirmation
  removeTitle: (n: number) => `Remove ${plural(n, 'download', 'downloads')}?`,
  removeBody: 'Completed files stay on disk.',
  /** `n`: the removed downloads that are not completed (each may have a partial file). */
  deletePartial: (n: number) =>
    n === 1 ? 'Also delete the partial file' : `Also delete the ${formatCount(n)} partial files`,
  cancel: 'Cancel',
  // Add dialog
  addDialog: {
    urls: 'URLs, one per line (or any text with links)',
    destination: 'Destination folder',
    destinationHint: 'Empty: the engine’s default folder. The engine checks it.',
    choose: 'Choose…',
    startPaused: 'Add paused',
    valid: (n: number) => plural(n, 'download', 'downloads'),
    invalid: (n: number) => plural(n, 'invalid line', 'invalid lines'),
    duplicates: (n: number) => plural(n, 'duplicate', 'duplicates'),
    line: (n: number) => `Line ${n}`,
    duplicateInList: (line: number) => `Duplicate of line ${line}, skipped`,
    duplicateInQueue: 'Already in the queue, skipped',
    confirm: (n: number, paused: boolean) =>
      n === 0
        ? 'Nothing to add'
        : `Add ${plural(n, 'download', 'downloads')}${paused ? ' paused' : ''}`,
    adding: 'Adding…',
    /** A long add, shown above the list once the dialog closed. */
    progress: (total: number, soFar: number) =>
      `Adding ${formatCount(total)}… ${formatCount(Math.min(soFar, total))} so far`,
    refused: (n: number) => `The engine refused ${plural(n, 'download', 'downloads')}`,
    reading: 'Reading…',
    preview: 'Preview',
    fileTooLarge: (name: string, limitMb: number) =>
      `${name} is larger than ${limitMb} MB; a list that big is refused. Split it, or pass it to the CLI.`,
    fileUnreadable: (name: string, reason: string) => `Cannot read ${name}: ${reason}`,
    nothingFound: 'No URLs in what was dropped.',
    htmlLink: (line: number) => `A link on line ${line} of the dropped page`,
    moreHtmlProblems: (n: number) => `… and ${n} more links that cannot be downloaded`,
    close: 'Close',
  },
  // Status bar
  statusBar: {
    label: 'Engine status',
    speed: (speed: string) => `${speed}/s`,
    active: (n: number) => `${formatCount(n)} active`,
    queued: (n: number) => `${formatCount(n)} queued`,
    live: 'Engine running',
    late: 'Engine slow to answer',
    notResponding: 'Engine not responding',
    connecting: 'Connecting…',
    reconnecting: 'Reconnecting…',
    /** The page (not the engine) is behind: rows or beats still to apply. */
    catchingUp: (n: number) => (n > 0 ? `Catching up… ${formatCount(n)} left` : 'Catching up…'),
    failed: (message: string) => `Engine stopped: ${message}`,
    restart: 'Restart engine',
  },
  announce: {
    label: 'Download activity',
    active: (n: number, speed: string) => `${formatCount(n)} downloading, ${speed}`,
    completed: (n: number, name: string) =>
      n === 1 ? `${name} completed` : `${formatCount(n)} downloads completed`,
    failed: (n: number, name: string) =>
      n === 1 ? `${name} failed` : `${formatCount(n)} downloads failed`,
  },
  commandFailed: (message: string) => `The engine refused: ${message}`,
} as const
