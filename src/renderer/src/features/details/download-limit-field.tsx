import { useId, useState } from 'react'
import type { FormEvent } from 'react'
import { formatBytes } from '../../../../shared/format.ts'
import { useAppStore } from '../../store/app-store.ts'
import { ask } from '../../store/engine-door.ts'
import { d } from './details-strings.ts'
import { formatDownloadLimit, parseDownloadLimit } from './download-limit.ts'

/**
 * One download's own speed limit (the engine's `speedLimit`, which a running download takes
 * at once). The field starts from the engine's value, so what it shows after a reload is what
 * the engine keeps; a refusal is said under the field and nothing is sent.
 */
export function DownloadLimitField({ id }: { readonly id: string }) {
  const limit = useAppStore((s) => s.downloads.byId[id]?.speedLimit ?? 0)
  const [text, setText] = useState(() => formatDownloadLimit(limit))
  const [problem, setProblem] = useState<string | null>(null)
  const [saved, setSaved] = useState(false)
  const fieldId = useId()
  const hintId = useId()
  const problemId = useId()

  const submit = async (event: FormEvent): Promise<void> => {
    event.preventDefault()
    setSaved(false)
    const parsed = parseDownloadLimit(text)
    if (!parsed.ok) {
      setProblem(parsed.problem)
      return
    }
    const reply = await ask('update', [{ id, speedLimit: parsed.bytesPerSecond }])
    if (!reply.ok) {
      if (!reply.offline) setProblem(reply.message)
      return
    }
    const { rejected } = reply.value
    if (rejected[0]) {
      setProblem(rejected[0].error.message)
      return
    }
    setProblem(null)
    setText(formatDownloadLimit(parsed.bytesPerSecond))
    setSaved(true)
  }

  return (
    <form className="details__limit" onSubmit={(event) => void submit(event)}>
      <label htmlFor={fieldId}>{d.limitLabel}</label>
      <div className="details__limit-row">
        <input
          id={fieldId}
          className="input"
          type="text"
          inputMode="text"
          autoComplete="off"
          spellCheck={false}
          placeholder={d.limitPlaceholder}
          value={text}
          aria-invalid={problem !== null}
          aria-describedby={problem !== null ? `${problemId} ${hintId}` : hintId}
          onChange={(event) => {
            setText(event.target.value)
            setSaved(false)
          }}
        />
        <button type="submit" className="button">
          {d.limitApply}
        </button>
      </div>
      <p id={hintId} className="details__caption">
        {limit > 0 ? d.limitNow(`${formatBytes(limit)}/s`) : d.limitNone}
      </p>
      {problem !== null && (
        <p id={problemId} className="field-error" role="alert">
          {problem}
        </p>
      )}
      {saved && problem === null && (
        <p className="details__caption" role="status">
          {d.limitSaved}
        </p>
      )}
    </form>
  )
}
