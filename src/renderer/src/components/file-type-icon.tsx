import './file-type-icon.css'
/** A file's kind from its name, for the icon's colour and label. */
export type FileKind =
  'archive' | 'disk' | 'video' | 'audio' | 'image' | 'document' | 'code' | 'other'

const kinds: Record<string, FileKind> = {}
const groups: [FileKind, string][] = [
  ['archive', 'zip 7z rar tar gz tgz bz2 xz zst lz4 cab'],
  ['disk', 'iso img dmg vhd vhdx qcow2 vmdk exe msi deb rpm apk appimage pkg'],
  ['video', 'mp4 mkv webm mov avi m4v wmv flv ts'],
  ['audio', 'mp3 flac wav ogg opus m4a aac wma'],
  ['image', 'png jpg jpeg gif webp svg avif bmp tif tiff heic'],
  ['document', 'pdf epub doc docx odt txt md csv xls xlsx ods ppt pptx rtf'],
  ['code', 'json xml html htm js ts py sh sql bin'],
]
for (const [kind, list] of groups) for (const ext of list.split(' ')) kinds[ext] = kind

export function extensionOf(name: string): string {
  const dot = name.lastIndexOf('.')
  return dot <= 0 || dot === name.length - 1 ? '' : name.slice(dot + 1).toLowerCase()
}

export function fileKind(name: string): FileKind {
  return kinds[extensionOf(name)] ?? 'other'
}

/**
 * A document glyph with the extension written on a band in the kind's colour: readable at a
 * glance in a long list, and meaningful without colour.
 */
export function FileTypeIcon({ name }: { readonly name: string }) {
  const ext = extensionOf(name).slice(0, 4).toUpperCase()
  return (
    <span className="file-icon" data-kind={fileKind(name)} aria-hidden="true">
      <svg viewBox="0 0 28 32" width="28" height="32" focusable="false">
        <path
          className="file-icon__sheet"
          d="M4 1.5h13.5L24 8v21a1.5 1.5 0 0 1-1.5 1.5h-18A1.5 1.5 0 0 1 2.5 29V3A1.5 1.5 0 0 1 4 1.5Z"
        />
        <path className="file-icon__fold" d="M17.5 1.5V7a1 1 0 0 0 1 1H24" />
      </svg>
      {ext !== '' && <span className="file-icon__label">{ext}</span>}
    </span>
  )
}
