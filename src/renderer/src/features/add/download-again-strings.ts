import { formatCount } from '../../../../shared/format.ts'

const plural = (n: number, one: string, many: string) => `${formatCount(n)} ${n === 1 ? one : many}`

/** The add dialog's words for URLs the queue holds already (see download-again.ts). */
export const againWords = {
  completed: 'Completed',
  inDir: (dir: string) => `in ${dir}`,
  fileMissing: 'file missing',
  failed: 'Failed',
  paused: 'Paused',
  queued: 'Queued',
  retrying: 'Retrying',
  downloading: 'Downloading',
  gone: 'No longer in the queue',
  justNow: 'just now',
  ago: (n: number, unit: string) => `${plural(n, unit, unit + 's')} ago`,
  skip: 'Skip',
  show: 'Show',
  again: 'Download again',
  /** The bar over the preview, for every line the queue holds. */
  inQueue: (n: number) => `${plural(n, 'URL is', 'URLs are')} already in the queue`,
  skipAll: 'Skip all',
  againAll: 'Download all again',
  showAll: 'Show them',
  downloadAllAgain: (n: number) => `Download ${plural(n, 'file', 'files')} again`,
  confirm: (n: number, again: number, paused: boolean) =>
    n === 0
      ? 'Nothing to add'
      : `Add ${plural(n, 'download', 'downloads')}${again > 0 ? ` (${formatCount(again)} again)` : ''}${paused ? ' paused' : ''}`,
  /** A line's choice, read by screen readers with the URL. */
  choiceFor: (url: string) => `What to do with ${url}`,
}
