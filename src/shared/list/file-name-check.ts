/**
 * Why `name` cannot be a file name chosen by a person (`-o`, `out=`), or null when it can. A bare
 * name only: no folder part (nothing may land outside the destination folder), not empty, not
 * made of dots alone (`.`, `..`, `...` name no file anywhere), no control characters.
 */
export function fileNameProblem(name: string): string | null {
  if (name.trim() === '') return 'a file name cannot be empty'
  if (/[/\\]/.test(name)) return 'must be a file name, not a path (no / or \\)'
  if (/^[.\s]+$/.test(name)) return 'must be a file name, not dots alone'
  // eslint-disable-next-line no-control-regex -- finding control characters is the point
  if (/[\u0000-\u001f\u007f-\u009f]/.test(name)) return 'a file name cannot hold control characters'
  return null
}
