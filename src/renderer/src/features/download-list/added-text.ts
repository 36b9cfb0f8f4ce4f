const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec']

const two = (n: number): string => String(n).padStart(2, '0')

/**
 * When a download was added, as its list column shows it, in local time: "14:05" today,
 * "6 Dec" earlier this year, "6 Dec 2025" before. Written by hand rather than with
 * Intl.DateTimeFormat: the first one a page makes costs 50–70 ms (see timeline.tsx), and rows
 * are on the first screen.
 */
export function addedText(at: number, now: number): string {
  const date = new Date(at)
  const today = new Date(now)
  const sameYear = date.getFullYear() === today.getFullYear()
  if (sameYear && date.getMonth() === today.getMonth() && date.getDate() === today.getDate())
    return `${two(date.getHours())}:${two(date.getMinutes())}`
  const day = `${date.getDate()} ${MONTHS[date.getMonth()]}`
  return sameYear ? day : `${day} ${date.getFullYear()}`
}
